import { setTimeout as delay } from 'node:timers/promises'
import { sql } from 'kysely'
import type pg from 'pg'
import { onMemberRemoved } from '../../src/server/services/member-removal.js'

export type Answer = { status: number; body: any }

/**
 * A member's removal held open at one point of its transaction (PostgreSQL): a removal hook of the
 * given `order` (seats 10, cloud 20, tokens 90; the last-admin count runs before every hook) stops
 * there for `email` until `release`. `pid` is the removal's backend, for pg_blocking_pids.
 */
export interface HeldRemoval {
  pid: number
  release(): void
  /** The removal's answer (call release first). */
  answer: Promise<Answer>
}

export async function holdRemoval(
  remove: () => Promise<Answer>,
  email: string,
  order: number,
): Promise<HeldRemoval> {
  let reached!: (pid: number) => void
  const atHook = new Promise<number>((ok) => (reached = ok))
  let release!: () => void
  const released = new Promise<void>((ok) => (release = ok))
  const unregister = onMemberRemoved({
    topic: 'test-hold',
    noun: 'holds',
    action: 'held',
    order,
    hook: async (m) => {
      if (m.email !== email) return { count: 0 }
      const { rows } = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(m.trx)
      reached(rows[0]!.pid)
      await released
      return { count: 0 }
    },
  })
  // Unregistered once it ends, however it ends.
  const answer = remove().finally(unregister)
  try {
    const pid = await Promise.race([
      atHook,
      answer.then((r) => {
        throw new Error(`the removal ended before its hook: ${JSON.stringify(r.body)}`)
      }),
    ])
    return { pid, release, answer }
  } catch (err) {
    release()
    throw err
  }
}

/** Backends waiting for a lock that `pid` holds, as PostgreSQL says (pg_blocking_pids). */
export async function blockedBy(monitor: pg.Client, pid: number) {
  return (
    await monitor.query<{ pid: number; query: string }>(
      'select pid, query from pg_stat_activity where $1 = any(pg_blocking_pids(pid))',
      [pid],
    )
  ).rows
}

/**
 * Waits until `request` answers or PostgreSQL shows some backend waiting for `pid`'s locks,
 * whichever comes first: no time is guessed, the database is asked (every few ms) until one holds.
 */
export async function answeredOrBlocked(
  monitor: pg.Client,
  pid: number,
  request: Promise<Answer>,
): Promise<{ answered?: Answer; blocked: Array<{ pid: number; query: string }> }> {
  let answered: Answer | undefined
  void request.then((r) => (answered = r)).catch(() => {})
  let blocked: Array<{ pid: number; query: string }> = []
  while (!answered && blocked.length === 0) {
    await Promise.race([request.catch(() => {}), delay(5)])
    if (!answered) blocked = await blockedBy(monitor, pid)
  }
  return { ...(answered ? { answered } : {}), blocked }
}
