import { strict as assert } from 'node:assert'
import { recordSecret } from '../helpers/secret-scan.js'
import { ServerProcess } from '../helpers/server-process.js'
import { PgCluster } from './pg-cluster.js'

/** CI (.ci/run) sets this: there a missing prerequisite fails the test instead of skipping it. */
const REQUIRE_PG = process.env.LICCTL_REQUIRE_PG === '1'

const UNAVAILABLE = {
  error: {
    code: 'unavailable',
    message: 'the database is unavailable (unreachable, restarting or busy): retry shortly',
  },
}

interface Answer {
  loop: number
  kind: 'read' | 'mutation' | 'health'
  sentAt: number
  at: number
  /** 0: no HTTP answer at all (the connection failed: the server crashed or hung up). */
  status: number
  body: unknown
  replayed: boolean
  /** Mutations: the Idempotency-Key and the member it adds. */
  key?: string
  email?: string
}

const LOOPS = 4
/** Each phase waits for events (answers seen), bounded by this; generous: the machine is loaded. */
const PHASE_LIMIT_MS = 90_000

describe('fault: the real PostgreSQL is stopped and restarted under load', function () {
  this.timeout(6 * PHASE_LIMIT_MS)
  let cluster: PgCluster | undefined
  let server: ServerProcess | undefined
  let operator: string
  let admin: string
  const org = 'restart'

  before(async function () {
    const missing = await PgCluster.missing()
    if (missing) {
      if (REQUIRE_PG) throw new Error(`LICCTL_REQUIRE_PG=1, and this fault test cannot run: ${missing}`)
      for (const t of this.test?.parent?.tests ?? []) t.title += ` (skipped: ${missing})`
      return this.skip()
    }
    cluster = await PgCluster.create()
    operator = await ServerProcess.init(cluster.url)
    server = await ServerProcess.start(cluster.url, 'warn', ['--pool-size', '4'])
  })
  after(async () => {
    await server?.stop()
    await cluster?.destroy()
  })

  const send = async (
    token: string,
    method: string,
    path: string,
    body?: unknown,
    key?: string,
  ): Promise<Omit<Answer, 'loop' | 'kind'>> => {
    const sentAt = Date.now()
    try {
      const res = await fetch(server!.url + path, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...(key ? { 'idempotency-key': key } : {}),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(30_000),
      })
      const text = await res.text()
      let parsed: unknown = text
      try {
        parsed = JSON.parse(text)
      } catch {
        // not JSON: kept as text, and the status check reports it
      }
      const replayed = res.headers.get('idempotent-replayed') === 'true'
      return { sentAt, at: Date.now(), status: res.status, body: parsed, replayed }
    } catch (err) {
      return { sentAt, at: Date.now(), status: 0, body: String((err as Error).cause ?? err), replayed: false }
    }
  }
  const addMember = (email: string, key: string) =>
    send(admin, 'POST', `/v1/orgs/${org}/users/bulk-add`, { items: [{ email }] }, key)

  /** Polls `ready` (every 20 ms) until it holds; fails with `what` and `state()` after `limit` ms. */
  const waitFor = async (
    what: string,
    ready: () => boolean,
    state: () => unknown,
    limit = PHASE_LIMIT_MS,
  ) => {
    const deadline = Date.now() + limit
    while (!ready()) {
      if (server!.proc.exitCode !== null || server!.proc.signalCode !== null)
        throw new Error(
          `licctl exited while waiting for: ${what}; its log ends:\n${server!.stderr.slice(-3000)}`,
        )
      if (Date.now() > deadline)
        throw new Error(`not seen within ${limit} ms: ${what}; so far: ${JSON.stringify(state())}`)
      await new Promise((r) => setTimeout(r, 20))
    }
  }

  /** All of a paged list. */
  const all = async <T>(path: string): Promise<T[]> => {
    const items: T[] = []
    let cursor: string | null = null
    do {
      const sep = path.includes('?') ? '&' : '?'
      const res = await send(admin, 'GET', `${path}${sep}limit=1000${cursor ? `&cursor=${cursor}` : ''}`)
      assert.equal(res.status, 200, JSON.stringify(res.body))
      const page = res.body as { items: T[]; nextCursor: string | null }
      items.push(...page.items)
      cursor = page.nextCursor
    } while (cursor)
    return items
  }

  it('answers 503 unavailable while it is down, never 500, and recovers without a restart of licctl', async () => {
    const created = await send(operator, 'POST', '/v1/orgs', {
      slug: org,
      name: 'Restart',
      admin: { email: 'admin@example.com' },
    })
    assert.equal(created.status, 201, JSON.stringify(created.body))
    admin = (created.body as { admin: { token: string } }).admin.token
    recordSecret(admin, 'token')
    for (const n of [1, 2, 3]) {
      const seeded = await addMember(`seed-${n}@example.com`, `seed-key-${n}`)
      assert.equal(seeded.status, 200, JSON.stringify(seeded.body))
    }

    // The load: LOOPS loops of reads and keyed mutations (each a new member), and one of health checks.
    const answers: Answer[] = []
    let running = true
    const loadDeadline = Date.now() + 5 * PHASE_LIMIT_MS
    const loop = async (n: number) => {
      for (let i = 0; running && Date.now() < loadDeadline; i++) {
        if (i % 2 === 0) {
          const email = `load-${n}-${i}@example.com`
          const key = `load-key-${n}-${i}`
          answers.push({ loop: n, kind: 'mutation', key, email, ...(await addMember(email, key)) })
        } else {
          const path = i % 4 === 1 ? `/v1/orgs/${org}/users?limit=5` : `/v1/orgs/${org}`
          answers.push({ loop: n, kind: 'read', ...(await send(admin, 'GET', path)) })
        }
        await new Promise((r) => setTimeout(r, 5))
      }
    }
    const healthLoop = async () => {
      while (running && Date.now() < loadDeadline) {
        answers.push({ loop: -1, kind: 'health', ...(await send(operator, 'GET', '/v1/health')) })
        await new Promise((r) => setTimeout(r, 50))
      }
    }
    const load = Promise.all([...Array.from({ length: LOOPS }, (_, n) => loop(n)), healthLoop()])
    const loops = Array.from({ length: LOOPS }, (_, n) => n)
    const seen = (match: (a: Answer) => boolean) => answers.some(match)
    const count = (match: (a: Answer) => boolean) => answers.filter(match).length
    const ok = (a: Answer) => a.status === 200 || a.status === 201
    const codeOf = (a: Answer) => (a.body as { error?: { code?: string } } | null)?.error?.code
    /** Answers to requests sent after `since`, counted by kind, status and error code (for failures). */
    const tally = (since = 0) =>
      answers
        .filter((a) => a.sentAt > since)
        .reduce<Record<string, number>>((m, a) => {
          const k = [a.kind, a.status, codeOf(a) ?? ''].join(' ').trim()
          m[k] = (m[k] ?? 0) + 1
          return m
        }, {})

    try {
      await waitFor(
        'every loop succeeding before the stop',
        () => loops.every((n) => count((a) => a.loop === n && ok(a)) >= 3),
        () => tally(),
      )

      const stopAt = Date.now()
      await cluster!.stop('fast')
      const downAt = Date.now()
      // Down: wait until every loop, and health, has been answered for requests sent after the stop.
      await waitFor(
        '503s from every loop and from health while PostgreSQL is down',
        () =>
          [...loops, -1].every((n) => count((a) => a.loop === n && a.sentAt > downAt) >= (n < 0 ? 3 : 10)),
        () => tally(downAt),
      )
      const startAt = Date.now()
      await cluster!.start()
      const upAt = Date.now()
      // Up again, licctl never restarted: health 200 and every loop's reads and mutations succeed.
      await waitFor(
        'health 200 and every loop succeeding again after the start',
        () =>
          seen((a) => a.kind === 'health' && a.sentAt > upAt && a.status === 200) &&
          loops.every(
            (n) =>
              seen((a) => a.loop === n && a.kind === 'read' && a.sentAt > upAt && ok(a)) &&
              seen((a) => a.loop === n && a.kind === 'mutation' && a.sentAt > upAt && ok(a)),
          ),
        () => ({
          since: tally(upAt),
          last: answers.slice(-3).map((a) => [a.kind, a.status, a.body]),
          log: server!.stderr.split('\n').slice(-5),
        }),
      )
      const recoveredAt = Date.now()
      running = false
      await load

      const figures = {
        requests: answers.length,
        outageMs: startAt - stopAt,
        stopMs: downAt - stopAt,
        startMs: upAt - startAt,
        recoveryMs: recoveredAt - upAt,
        answers: tally(),
        codes: [
          ...new Set(
            server!
              .logLines()
              .filter((l) => l.msg === 'database unavailable')
              .map((l) => (l.err as { code?: string } | undefined)?.code ?? 'none'),
          ),
        ],
      }
      if (process.env.LICCTL_FAULT_FIGURES) console.log(JSON.stringify(figures))

      // Every answer was a success or the one 503: no 500, no other code, no dropped connection.
      const unexpected = answers.filter(
        (a) => !ok(a) && JSON.stringify([a.status, a.body]) !== JSON.stringify([503, UNAVAILABLE]),
      )
      assert.deepEqual(
        unexpected.map((a) => [a.kind, a.status, a.body]),
        [],
        `answers other than 2xx or 503 unavailable (${JSON.stringify(figures)})`,
      )
      // Sent after the stop and answered before the start: nothing could succeed, all were 503.
      const whileDown = answers.filter((a) => a.sentAt > downAt && a.at < startAt)
      assert.ok(whileDown.length >= 3 * (LOOPS + 1), `requests answered while down: ${whileDown.length}`)
      assert.deepEqual([...new Set(whileDown.map((a) => a.status))], [503])
      assert.ok(seen((a) => a.kind === 'health' && a.sentAt > downAt && a.at < startAt && a.status === 503))
      assert.ok(
        seen((a) => a.kind === 'mutation' && a.status === 503),
        'a mutation was refused',
      )
      assert.equal(server!.proc.exitCode, null, 'licctl is still the process it was')
      assert.equal(server!.proc.signalCode, null)

      // A refused mutation, retried with its key, is applied now (once); a second retry is a replay.
      const refused = answers.filter((a) => a.kind === 'mutation' && a.status === 503)
      for (const r of refused) {
        const retried = await addMember(r.email!, r.key!)
        assert.equal(retried.status, 200, `${r.key}: ${JSON.stringify(retried.body)}`)
        assert.equal(retried.replayed, false, `${r.key}: a 503 was not stored under its key`)
        assert.equal(
          (retried.body as { results: Array<{ status: string }> }).results[0]?.status,
          'changed',
          `${r.key}: the refused attempt had not been applied: ${JSON.stringify(retried.body)}`,
        )
        const again = await addMember(r.email!, r.key!)
        assert.deepEqual([again.status, again.replayed, again.body], [200, true, retried.body], r.key)
      }

      // The data: every member added before, during (answered 2xx) and after the outage, once each.
      const added = answers.filter((a) => a.kind === 'mutation' && ok(a)).map((a) => a.email!)
      const expected = [
        'admin@example.com',
        ...[1, 2, 3].map((n) => `seed-${n}@example.com`),
        ...added,
        ...refused.map((a) => a.email!),
      ].sort()
      const members = await all<{ email: string }>(`/v1/orgs/${org}/users`)
      assert.deepEqual(members.map((m) => m.email).sort(), expected)
      const adds = await all<{ target: string }>(`/v1/orgs/${org}/audit?action=user.add`)
      assert.deepEqual(
        adds.map((e) => e.target).sort(),
        expected,
        'one user.add audit entry per member added (the admin too, with the organization)',
      )
      const verify = await send(admin, 'GET', `/v1/orgs/${org}/audit/verify`)
      assert.equal((verify.body as { intact: boolean }).intact, true, JSON.stringify(verify.body))

      const lines = server!.logLines()
      assert.ok(lines.some((l) => l.msg === 'database unavailable' && l.level === 40))
      assert.deepEqual(
        lines.filter((l) => Number(l.level) >= 50).map((l) => [l.msg, l.err]),
        [],
        'nothing logged as an error: a restart of the database is not a bug',
      )
    } finally {
      running = false
      await load
    }
  })
})
