import { readFile } from 'node:fs/promises'
import { Args, Flags } from '@oclif/core'
import { ApiCommand } from '../cli/base-command.js'
import { UsageError } from '../client/errors.js'

export default class Api extends ApiCommand<typeof Api> {
  static override summary = 'Make an authenticated request to the licctl API and print the response'
  static override description =
    'Like `gh api`: the path is relative to /v1 (a leading /v1 is kept). -f key=value adds a string field to a JSON body, -F key=value a typed one (numbers, true/false, null); --input sends a JSON file (- for stdin). The response body is printed as JSON; errors exit with the usual codes.'
  static override enableJsonFlag = false
  static override examples = [
    '<%= config.bin %> api /orgs/acme/users',
    '<%= config.bin %> api -X PATCH /orgs/acme -f contactPhone="+49 30 1234567"',
    '<%= config.bin %> api -X POST /orgs/acme/users/bulk-add --input users.json',
  ]
  static override args = { path: Args.string({ description: 'API path, e.g. /orgs/acme', required: true }) }
  static override flags = {
    method: Flags.option({
      char: 'X',
      options: ['GET', 'POST', 'PATCH', 'PUT', 'DELETE'] as const,
      description: 'HTTP method (default GET, or POST with fields)',
    })(),
    field: Flags.string({
      char: 'f',
      description: 'string field key=value for the JSON body (repeatable)',
      multiple: true,
    }),
    'typed-field': Flags.string({
      char: 'F',
      description: 'typed field key=value: numbers, true, false, null (repeatable)',
      multiple: true,
    }),
    input: Flags.string({ description: 'JSON file for the request body (- for stdin)' }),
    'idempotency-key': Flags.string({ description: 'send this Idempotency-Key header' }),
  }

  async run(): Promise<void> {
    const body = await this.body()
    const method = this.flags.method ?? (body === undefined ? 'GET' : 'POST')
    const path =
      this.args.path.startsWith('/v1/') || this.args.path === '/v1'
        ? this.args.path
        : `/v1/${this.args.path.replace(/^\//, '')}`
    const client = await this.client()
    const res = await client.transport.request(method, path, {
      ...(body !== undefined ? { body } : {}),
      ...(this.flags['idempotency-key'] ? { idempotencyKey: this.flags['idempotency-key'] } : {}),
    })
    process.stdout.write(JSON.stringify(res, null, 2) + '\n')
  }

  private async body(): Promise<unknown> {
    const fields = [
      ...(this.flags.field ?? []).map((f) => [f, false] as const),
      ...(this.flags['typed-field'] ?? []).map((f) => [f, true] as const),
    ]
    if (this.flags.input && fields.length) throw new UsageError('use --input or fields (-f/-F), not both')
    if (this.flags.input) {
      const text =
        this.flags.input === '-'
          ? await readStdin()
          : await readFile(this.flags.input, 'utf8').catch(() => {
              throw new UsageError(`cannot read ${this.flags.input}`)
            })
      try {
        return JSON.parse(text) as unknown
      } catch {
        throw new UsageError(`${this.flags.input}: not valid JSON`)
      }
    }
    if (fields.length === 0) return undefined
    const out: Record<string, unknown> = {}
    for (const [field, typed] of fields) {
      const eq = field.indexOf('=')
      if (eq < 1) throw new UsageError(`field '${field}': expected key=value`)
      const key = field.slice(0, eq)
      const raw = field.slice(eq + 1)
      out[key] = typed ? typedValue(raw) : raw
    }
    return out
  }
}

function typedValue(raw: string): unknown {
  if (raw === 'true') return true
  if (raw === 'false') return false
  if (raw === 'null') return null
  if (/^-?\d+(\.\d+)?$/.test(raw)) return Number(raw)
  return raw
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = []
  for await (const c of process.stdin) chunks.push(c as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}
