import { Flags } from '@oclif/core'
import { BaseCommand } from '../../cli/base-command.js'
import { durationSeconds, existingDatabase, instantValue, integerFlag } from '../../cli/flag-values.js'
import { databaseRefusal } from '../../cli/server-database.js'

export default class ServerStart extends BaseCommand<typeof ServerStart> {
  static override summary = 'Start the license server'
  static override description =
    'Listens on --host/--port (0 picks a free port) and prints the URL on stdout; JSON logs go to stderr and never contain tokens. SIGINT or SIGTERM finishes in-flight requests, closes the database and exits 0.'
  static override enableJsonFlag = false
  // A long-running server: no --json/--jq.
  static override baseFlags = {} as typeof BaseCommand.baseFlags
  static override examples = [
    '<%= config.bin %> server start --db ./licctl.sqlite --port 8080',
    '<%= config.bin %> server start --db postgres://licctl@db/licctl --host 0.0.0.0 --port 8080',
  ]
  static override flags = {
    db: Flags.string({
      description: 'SQLite file path or postgres:// URL',
      env: 'LICCTL_DB',
      required: true,
    }),
    host: Flags.string({ description: 'interface to listen on', default: '127.0.0.1' }),
    port: integerFlag({
      description: 'port to listen on; 0 picks a free one',
      default: 8080,
      min: 0,
      max: 65535,
    }),
    'log-level': Flags.option({
      options: ['fatal', 'error', 'warn', 'info', 'debug', 'silent'] as const,
      description: 'least severe log level written to stderr',
      default: 'info',
    })(),
    migrate: Flags.boolean({
      description:
        'apply pending migrations before serving; on PostgreSQL any number of processes may do it at once (they take a lock and migrate once)',
      default: false,
    }),
    'pool-size': integerFlag({
      description: 'PostgreSQL: connections in this process’s pool',
      env: 'LICCTL_PG_POOL',
      default: 10,
      min: 1,
      max: 1000,
    }),
    'statement-timeout': Flags.string({
      description: 'PostgreSQL: the database cancels a statement running longer, e.g. 30s or 2m; 0 for none',
      env: 'LICCTL_PG_STATEMENT_TIMEOUT',
      default: '30s',
    }),
    'idempotency-retention': Flags.string({
      description:
        'how long Idempotency-Key answers are kept for replay, e.g. 24h or 7d; older ones are pruned on a timer',
      env: 'LICCTL_IDEMPOTENCY_RETENTION',
      default: '24h',
    }),
    clock: Flags.string({
      hidden: true,
      description:
        'For tests and demos of date rules only: the server clock starts at this instant (2026-03-01T09:00:00Z), date (00:00 UTC) or duration ahead of now (90d), and advances in real time.',
    }),
  }

  async run(): Promise<void> {
    // Read as every time flag is (flag-values.ts), not by Date.parse, which takes '1' or 'Dec 5'.
    const clockStart =
      this.flags.clock === undefined
        ? undefined
        : Date.parse(instantValue('--clock', this.flags.clock, { direction: 1, date: 'start' }))
    // PostgreSQL takes a statement timeout up to 2^31-1 ms (24 days and a bit).
    const statementTimeoutMs =
      1000 *
      durationSeconds(
        '--statement-timeout',
        this.flags['statement-timeout'],
        { min: 1, max: 24 * 86_400 },
        { zero: 'none' },
      )
    const idempotencyRetentionMs =
      1000 *
      durationSeconds('--idempotency-retention', this.flags['idempotency-retention'], {
        min: 600,
        max: 365 * 86_400,
      })
    const { startServer } = await import('../../server/start.js')
    const db = existingDatabase(this.flags.db)
    await startServer({
      db,
      host: this.flags.host,
      port: this.flags.port,
      clockStart,
      logLevel: this.flags['log-level'],
      migrate: this.flags.migrate,
      poolSize: this.flags['pool-size'],
      statementTimeoutMs,
      idempotencyRetentionMs,
      onListening: (url) => process.stdout.write(`licctl server listening on ${url}\n`),
    }).catch((err: unknown) => {
      throw databaseRefusal(err, db)
    })
  }
}
