import type { Release } from '../../contract/users.js'
import type { ServiceContext } from '../context.js'
import type { Tx } from '../transaction.js'

/** The member being removed, and the transaction the removal runs in. */
export interface RemovedMember {
  trx: Tx
  ctx: ServiceContext
  orgId: string
  userId: string
  email: string
  now: number
}

/** What one topic released: counted, named for people, plus the topic's own fields of the removal. */
export interface Released {
  count: number
  /** One short name per thing released, e.g. `cad-pro on ws-12`; empty when a count says enough. */
  items?: string[]
  /** Fields the topic adds to the removal document (kept for compatibility, e.g. `tokensRevoked`). */
  fields?: Record<string, unknown>
}

/**
 * A topic's part of removing a member: release whatever let the member use the organization's
 * licenses (leases, assignments, tokens, devices, activations…), in `m.trx`, auditing each change
 * as the topic always does. It runs before the membership row is deleted, in the same transaction as
 * every other topic's hook, so a removal releases everything or nothing; a hook refuses the whole
 * removal by throwing an AppError. Hooks must be safe to run again (the transaction may be retried).
 */
export type RemovalHook = (m: RemovedMember) => Promise<Released>

export interface RemovalTopic {
  /** The topic's name in the `releases` list, e.g. `seats`. */
  topic: string
  /** What it releases, plural, for people: `seats`, `add-ons`, `tokens`. */
  noun: string
  /** The verb in the past tense: `released`, `revoked`. */
  action: string
  /** Hooks run in ascending order (seats 10, cloud 20, tokens 90); ties in registration order. */
  order: number
  hook: RemovalHook
  /**
   * Locks the shared rows (pools) the hook will lock for these members, sorted by key, before any
   * member of a removal is released (`lockForRemoval`): a hook locking them as it comes to them
   * locks them in the order of the batch and of the member's rows, and two removals at once, each
   * releasing seats of the same two pools, took them in opposite orders (a deadlock).
   */
  lock?: (trx: Tx, orgId: string, userIds: readonly string[]) => Promise<void>
}

const topics: RemovalTopic[] = []

/**
 * Registers what removing a member releases for one topic (a topic registered again replaces itself). Call it once, at the top level of the
 * topic's own service module (e.g. `seats-release.ts`), which the app loads through its routes:
 *
 * ```ts
 * onMemberRemoved({ topic: 'devices', noun: 'devices', action: 'released', order: 40,
 *   hook: async ({ trx, ctx, orgId, userId, now }) => ({ count: n, items: names }) })
 * ```
 * The removal (users.ts) names no topic: it runs every hook and reports one release per topic.
 */
export function onMemberRemoved(topic: RemovalTopic): () => void {
  const at = topics.findIndex((t) => t.topic === topic.topic)
  if (at >= 0) topics.splice(at, 1)
  topics.push(topic)
  topics.sort((a, b) => a.order - b.order)
  /** Unregisters it (tests). */
  return () => {
    const i = topics.indexOf(topic)
    if (i >= 0) topics.splice(i, 1)
  }
}

/** Runs every topic's hook for a member, in order; returns the per-topic releases and their fields. */
export async function releaseMember(
  m: RemovedMember,
): Promise<{ releases: Release[]; fields: Record<string, unknown> }> {
  const releases: Release[] = []
  const fields: Record<string, unknown> = {}
  for (const t of topics) {
    const r = await t.hook(m)
    Object.assign(fields, r.fields)
    releases.push({ topic: t.topic, noun: t.noun, action: t.action, count: r.count, items: r.items ?? [] })
  }
  return { releases, fields }
}

/**
 * Locks what every topic's hook will lock for these members (their memberships are locked already),
 * topic by topic in hook order, each topic's rows sorted: the lock order of a removal is the
 * memberships, then the pools, in one order whatever the batch and whatever each member holds.
 */
export async function lockForRemoval(trx: Tx, orgId: string, userIds: readonly string[]): Promise<void> {
  if (userIds.length === 0) return
  for (const t of topics) await t.lock?.(trx, orgId, userIds)
}
