import closeWithGrace from 'close-with-grace'
import type { FastifyInstance } from 'fastify'
import { clockStartingAt, systemClock } from '../domain/clock.js'
import { assertReachable, openStorage } from '../storage/open.js'
import { migrateToLatest, pendingMigrations } from '../storage/migrate.js'
import { exposedDatabaseWarning } from '../storage/private-file.js'
import { DEFAULT_IDEMPOTENCY_RETENTION_MS, pruneIntervalFor } from './housekeeping.js'
import { isInitialized } from './services/operator.js'
import { build } from './app.js'

export interface StartOptions {
  db: string
  host: string
  port: number
  clockStart?: number | undefined
  logLevel: string
  /** PostgreSQL pool size and statement timeout (defaults: env, then 10 and 30 s). */
  poolSize?: number | undefined
  statementTimeoutMs?: number | undefined
  /** Apply pending migrations before serving (under the migration lock: N processes migrate once). */
  migrate?: boolean
  /** How long idempotency records are kept (default a day); pruned on a timer. */
  idempotencyRetentionMs?: number | undefined
  /** Called once listening, with the URL. */
  onListening(url: string): void
}

/**
 * The database was never initialized: it holds no operator token (only `server init` issues one).
 * The command line says so with the `server init` to run (src/cli/server-database.ts).
 */
export class NotInitialized extends Error {
  constructor(readonly describe: string) {
    super(`database ${describe} is not initialized: run \`licctl server init\` first`)
    this.name = 'NotInitialized'
  }
}

/**
 * The database is initialized but older than this licctl: migrations are pending, and `server start`
 * (without --migrate) serves no database it did not migrate. The command line says so with the
 * `server migrate` to run (src/cli/server-database.ts).
 */
export class MigrationsPending extends Error {
  constructor(
    readonly describe: string,
    readonly pending: string[],
  ) {
    super(`database ${describe} needs migrations (${pending.join(', ')})`)
    this.name = 'MigrationsPending'
  }
}

const LISTEN_ERRORS: Record<string, string> = {
  EADDRINUSE: 'the port is in use (pick another --port, or 0 for a free one)',
  EACCES: 'permission denied (ports below 1024 need privileges: pick another --port)',
  EADDRNOTAVAIL: 'this machine has no such address (check --host)',
  // A --host name that the resolver does not know (or cannot look up now).
  ENOTFOUND: 'cannot resolve this host name (check --host)',
  EAI_AGAIN: 'cannot resolve this host name (check --host)',
}

/**
 * Opens the database, listens, and closes gracefully on a signal (close-with-grace): in-flight
 * requests finish. `close()` closes it from the code instead (no exit).
 */
export async function startServer(
  opts: StartOptions,
): Promise<{ app: FastifyInstance; url: string; close(): Promise<void> }> {
  const storage = await openStorage(opts.db, {
    poolSize: opts.poolSize,
    statementTimeoutMs: opts.statementTimeoutMs,
    checkpointInBackground: true,
  })
  let app: FastifyInstance | undefined
  let address: string
  try {
    // A database that cannot be reached is not "uninitialized": say what is wrong with it.
    await assertReachable(storage)
    if (!(await isInitialized(storage.db))) throw new NotInitialized(storage.describe)
    const migrated = opts.migrate ? (await migrateToLatest(storage.db)).applied : []
    const pending = await pendingMigrations(storage.db)
    if (pending.length > 0) throw new MigrationsPending(storage.describe, pending)
    const clock = opts.clockStart === undefined ? systemClock : clockStartingAt(opts.clockStart)
    const retention = opts.idempotencyRetentionMs ?? DEFAULT_IDEMPOTENCY_RETENTION_MS
    app = await build({
      storage,
      clock,
      logger: { level: opts.logLevel },
      housekeeping: { idempotencyRetentionMs: retention, intervalMs: pruneIntervalFor(retention) },
    })
    app.log.info(
      {
        database: storage.describe,
        ...(storage.pool
          ? { poolSize: storage.pool.max, statementTimeoutMs: storage.pool.statementTimeoutMs }
          : {}),
        migrationsApplied: migrated,
        idempotencyRetentionMs: retention,
      },
      'database opened',
    )
    // As ssh does for a private key: the mode stays the operator's choice.
    const exposed = exposedDatabaseWarning(opts.db)
    if (exposed) app.log.warn(exposed)
    // onClose runs after the server stopped accepting connections and in-flight requests finished.
    app.addHook('onClose', async () => {
      await storage.close()
      app?.log.info('database closed')
    })
    address = await app.listen({ host: opts.host, port: opts.port }).catch((err: unknown) => {
      const reason = LISTEN_ERRORS[(err as { code?: string }).code ?? '']
      if (!reason) throw err
      throw new Error(`cannot listen on ${opts.host}:${opts.port}: ${reason}`)
    })
  } catch (err) {
    // Whatever failed, release the database: an open PostgreSQL pool would keep the process
    // alive for its idle timeout after the error was printed.
    if (app) await app.close()
    else await storage.close()
    throw err
  }
  const url = address.replace('[::1]', 'localhost')
  opts.onListening(url)
  let closing: Promise<void> | null = null
  const closeApp = () => {
    // Answers from now on close their connection: a keep-alive socket would otherwise hold the
    // process open until the client or the keep-alive timeout drops it.
    app.draining = true
    return (closing ??= app.close())
  }
  // Signals (SIGINT, SIGTERM, …) and an uncaught error close gracefully: in-flight requests finish,
  // late ones get 503 `unavailable`, the database closes; then exit 0 (1 after an error, or when
  // closing takes over 10 s, or on a second signal).
  const grace = closeWithGrace(
    { delay: 10_000, logger: { error: (msg: unknown) => app.log.error(String(msg)) } },
    async ({ signal, err }) => {
      if (err) app.log.error({ err }, 'shutting down after an unexpected error')
      else app.log.info({ signal }, 'shutting down')
      await closeApp()
    },
  )
  const close = () => {
    grace.uninstall()
    return closeApp()
  }
  return { app, url, close }
}
