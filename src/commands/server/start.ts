import { Flags } from '@oclif/core'
import { BaseCommand } from '../../cli/base-command.js'
import { UsageError } from '../../cli/errors.js'
import { integerFlag } from '../../cli/flag-values.js'

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
      description: 'SQLite file path or postgres:// URL (env LICCTL_DB)',
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
    clock: Flags.string({
      hidden: true,
      description:
        'For tests and demos of date rules only: the server clock starts at this ISO-8601 instant and advances in real time.',
    }),
  }

  async run(): Promise<void> {
    let clockStart: number | undefined
    if (this.flags.clock !== undefined) {
      clockStart = Date.parse(this.flags.clock)
      if (Number.isNaN(clockStart))
        throw new UsageError(`--clock: not an ISO-8601 instant: ${this.flags.clock}`)
    }
    const { startServer } = await import('../../server/start.js')
    await startServer({
      db: this.flags.db,
      host: this.flags.host,
      port: this.flags.port,
      clockStart,
      logLevel: this.flags['log-level'],
      onListening: (url) => process.stdout.write(`licctl server listening on ${url}\n`),
    })
  }
}
