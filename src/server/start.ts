import type { FastifyInstance } from 'fastify'
import { clockStartingAt, systemClock } from '../domain/clock.js'
import { openStorage } from '../storage/open.js'
import { pendingMigrations } from '../storage/migrate.js'
import { isInitialized } from './services/operator.js'
import { build } from './app.js'

export interface StartOptions {
  db: string
  host: string
  port: number
  clockStart?: number | undefined
  logLevel: string
  /** Called once listening, with the URL. */
  onListening(url: string): void
}

/** Opens the database, listens, and closes gracefully on SIGINT/SIGTERM (in-flight requests finish). */
export async function startServer(
  opts: StartOptions,
): Promise<{ app: FastifyInstance; url: string; close(): Promise<void> }> {
  const storage = await openStorage(opts.db)
  if (!(await isInitialized(storage.db))) {
    await storage.close()
    throw new Error(
      `database ${storage.describe} is not initialized: run \`licctl server init --db ${opts.db}\` first`,
    )
  }
  const pending = await pendingMigrations(storage.db)
  if (pending.length > 0) {
    await storage.close()
    throw new Error(`database needs migrations (${pending.join(', ')}): run \`licctl server migrate --db …\``)
  }
  const clock = opts.clockStart === undefined ? systemClock : clockStartingAt(opts.clockStart)
  const app = await build({ storage, clock, logger: { level: opts.logLevel } })
  // onClose runs after the server stopped accepting connections and in-flight requests finished.
  app.addHook('onClose', async () => {
    await storage.close()
    app.log.info('database closed')
  })
  const address = await app.listen({ host: opts.host, port: opts.port })
  const url = address.replace('[::1]', 'localhost')
  opts.onListening(url)
  let closing: Promise<void> | null = null
  const close = () => {
    // Answers from now on close their connection: a keep-alive socket would otherwise hold the
    // process open until the client or the keep-alive timeout drops it.
    app.draining = true
    return (closing ??= app.close())
  }
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      app.log.info({ signal }, 'shutting down')
      const timer = setTimeout(() => process.exit(1), 10_000)
      timer.unref()
      void close().then(() => process.exit(0))
    })
  }
  return { app, url, close }
}
