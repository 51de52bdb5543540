import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import { build } from '../../src/server/app.js'
import { initializeServer } from '../../src/server/services/operator.js'
import type { Clock } from '../../src/domain/clock.js'
import type { Storage } from '../../src/storage/open.js'
import { freshDb, openTestStorage, type TestDb } from './dialects.js'

/** A clock tests move by hand. */
export class ManualClock implements Clock {
  constructor(public ms: number) {}
  now(): number {
    return this.ms
  }
  advance(ms: number): void {
    this.ms += ms
  }
}

export interface TestApp {
  app: FastifyInstance
  storage: Storage
  clock: ManualClock
  operatorToken: string
  /** inject() with a bearer token, returning status and parsed JSON. */
  call(
    token: string,
    method: string,
    url: string,
    payload?: unknown,
    headers?: Record<string, string>,
  ): Promise<{ status: number; body: any }>
  /** Creates an org with an admin, returning the admin's token. */
  org(slug: string, adminEmail?: string): Promise<string>
  close(): Promise<void>
}

export async function startApp(
  dialect: 'sqlite' | 'postgres' = 'sqlite',
  start = Date.parse('2026-01-15T10:00:00Z'),
  /** A database made for the test (dropped on close), instead of a fresh one of the dialect. */
  given?: TestDb,
): Promise<TestApp> {
  const dir = mkdtempSync(join(tmpdir(), 'licctl-app-'))
  const db: TestDb = given ?? (await freshDb(dialect, dir))
  const storage = await openTestStorage(db)
  const clock = new ManualClock(start)
  const { token: operatorToken } = await initializeServer(storage.db, clock.now())
  const app = await build({ storage, clock })
  const call: TestApp['call'] = async (token, method, url, payload, headers = {}) => {
    const res = await app.inject({
      method: method as 'GET',
      url,
      headers: { authorization: `Bearer ${token}`, ...headers },
      ...(payload !== undefined ? { payload: payload as object } : {}),
    })
    return { status: res.statusCode, body: res.body ? JSON.parse(res.body) : null }
  }
  return {
    app,
    storage,
    clock,
    operatorToken,
    call,
    async org(slug, adminEmail = `admin@${slug}.test`) {
      const res = await call(operatorToken, 'POST', '/v1/orgs', {
        slug,
        name: slug.toUpperCase(),
        admin: { email: adminEmail },
      })
      if (res.status !== 201) throw new Error(`org create failed: ${JSON.stringify(res.body)}`)
      return res.body.admin.token as string
    },
    async close() {
      await app.close()
      await storage.close()
      await db.drop()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
