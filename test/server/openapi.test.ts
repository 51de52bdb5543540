import { strict as assert } from 'node:assert'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Validator } from '@seriousme/openapi-schema-validator'
import { errorCatalog } from '../../src/contract/errors.js'
import { ROOT } from '../helpers/e2e.js'
import { runProcess } from '../helpers/spawn.js'
import { startApp, type TestApp } from '../helpers/app.js'

interface Operation {
  operationId?: string
  summary?: string
  security?: Array<Record<string, string[]>>
  responses?: Record<string, { content?: Record<string, { schema?: unknown }> }>
}
type Paths = Record<string, Record<string, Operation>>

/** `/orgs/{org}` in the document is `/orgs/:org` in Fastify's route table. */
const routeKey = (method: string, openapiPath: string) =>
  `${method.toUpperCase()} ${openapiPath.replace(/\{(\w+)\}/g, ':$1')}`

describe('server: the OpenAPI document', function () {
  let t: TestApp
  let doc: { openapi: string; paths: Paths; components?: { securitySchemes?: Record<string, unknown> } }

  before(async () => {
    t = await startApp('sqlite')
    const res = await t.app.inject({ method: 'GET', url: '/v1/openapi.json' })
    assert.equal(res.statusCode, 200)
    assert.match(String(res.headers['content-type']), /^application\/json/)
    doc = res.json()
  })
  after(async () => t.close())

  it('is served without a token and is valid OpenAPI 3.1', async () => {
    assert.equal(doc.openapi, '3.1.0')
    const result = await new Validator().validate(doc as unknown as Record<string, unknown>)
    assert.equal(result.valid, true, JSON.stringify(result.errors, null, 2))
    assert.deepEqual(doc.components?.securitySchemes, { bearerAuth: { type: 'http', scheme: 'bearer' } })
  })

  it('passes @redocly/cli lint (recommended rules) with no error and no warning, and openapi-typescript generates types', async function () {
    this.timeout(120_000)
    const dir = mkdtempSync(join(tmpdir(), 'licctl-openapi-'))
    try {
      const file = join(dir, 'openapi.json')
      writeFileSync(file, JSON.stringify(doc))
      const bin = (name: string) => join(ROOT, 'node_modules/.bin', name)
      // Exits non-zero on a finding: the report says which.
      const lint = await runProcess(
        bin('redocly'),
        ['lint', '--extends', 'recommended', '--format', 'json', file],
        {
          cwd: dir,
          env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
        },
      )
      const report = JSON.parse(lint.stdout) as {
        totals: { errors: number; warnings: number }
        problems: Array<{ ruleId: string; message: string }>
      }
      assert.deepEqual(
        { ...report.totals, problems: report.problems.map((p) => `${p.ruleId}: ${p.message}`) },
        { errors: 0, warnings: 0, ignored: 0, problems: [] },
      )
      const types = await runProcess(bin('openapi-typescript'), [file, '-o', join(dir, 'openapi.d.ts')])
      assert.equal(types.code, 0, types.stderr)
      assert.match(readFileSync(join(dir, 'openapi.d.ts'), 'utf8'), /"cloud\.assign": \{/)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('shows an expiration as a date, an instant or a duration (counted on the server’s clock)', () => {
    type Body = { requestBody: { content: Record<string, { schema: { properties: Record<string, any> } }> } }
    const body = (path: string) =>
      (doc.paths[path]!.post as unknown as Body).requestBody.content['application/json']!.schema.properties
    for (const field of [
      body('/v1/orgs/{org}/seats/pools/{product}/checkout').roamUntil,
      body('/v1/orgs/{org}/tokens').expires,
    ]) {
      assert.deepEqual(
        field.anyOf.map((s: { format?: string; pattern?: string }) => s.format ?? s.pattern),
        ['date', 'date-time', '^(\\d+[smhdwSHDW])+$'],
      )
      assert.match(field.description, /duration from now on the server’s clock/)
    }
  })

  it('gives every operation an operationId named <topic>.<name>, each once', () => {
    const ids = Object.values(doc.paths).flatMap((ops) => Object.values(ops).map((op) => op.operationId))
    assert.ok(
      ids.every((id) => typeof id === 'string' && /^[a-z]+\.[a-zA-Z]+$/.test(id)),
      String(ids),
    )
    assert.equal(new Set(ids).size, ids.length)
    assert.ok(ids.includes('cloud.assign') && ids.includes('seats.checkout') && ids.includes('meta.health'))
  })

  it('documents every registered route, and nothing that is not a route', () => {
    const documented = new Set<string>()
    for (const [path, ops] of Object.entries(doc.paths))
      for (const method of Object.keys(ops)) documented.add(routeKey(method, path))
    // The document itself is the one route deliberately left out of it.
    const routes = t.app.routeList.filter((r) => r.url !== '/v1/openapi.json')
    assert.ok(routes.length >= 15, `only ${routes.length} routes registered`)
    const registered = new Set(routes.map((r) => `${r.method} ${r.url}`))
    assert.deepEqual(
      [...registered].filter((r) => !documented.has(r)),
      [],
      'routes missing from /v1/openapi.json (give them a zod schema, not `hide`)',
    )
    assert.deepEqual(
      [...documented].filter((r) => !registered.has(r)),
      [],
      'documented operations with no route',
    )
  })

  it('gives every operation a summary, a JSON success schema, and the error shape', () => {
    const problems: string[] = []
    for (const [path, ops] of Object.entries(doc.paths))
      for (const [method, op] of Object.entries(ops)) {
        const where = routeKey(method, path)
        if (!op.summary) problems.push(`${where}: no summary`)
        const success = Object.entries(op.responses ?? {}).filter(([status]) => /^2\d\d$/.test(status))
        if (success.length === 0) problems.push(`${where}: no 2xx response`)
        for (const [status, r] of success)
          if (!r.content?.['application/json']?.schema)
            problems.push(`${where}: ${status} has no JSON schema`)
        const bad = op.responses?.['400']?.content?.['application/json']?.schema as
          { properties?: { error?: unknown } } | undefined
        if (where !== 'GET /v1/health' && !bad?.properties?.error)
          problems.push(`${where}: 400 does not use the error shape`)
      }
    assert.deepEqual(problems, [])
  })

  it('marks exactly the routes that need a token as bearer-authenticated, with their 401 and 403', () => {
    const publicRoutes = new Set(t.app.routeList.filter((r) => r.public).map((r) => `${r.method} ${r.url}`))
    assert.ok(publicRoutes.has('GET /v1/health'))
    const problems: string[] = []
    for (const [path, ops] of Object.entries(doc.paths))
      for (const [method, op] of Object.entries(ops)) {
        const where = routeKey(method, path)
        const secured = (op.security ?? []).some((s) => 'bearerAuth' in s)
        if (publicRoutes.has(where)) {
          if (secured) problems.push(`${where}: public but documented as needing a token`)
          continue
        }
        if (!secured) problems.push(`${where}: needs a token but declares no bearerAuth security`)
        for (const status of ['401', '403'])
          if (!op.responses?.[status]) problems.push(`${where}: no ${status} response`)
      }
    assert.deepEqual(problems, [])
  })

  it('the API guide (docs/api.md) lists every error code with its status and exit code', () => {
    const guide = readFileSync(join(ROOT, 'docs/api.md'), 'utf8')
    const missing = Object.entries(errorCatalog)
      .filter(([code, { status, exit }]) => !guide.includes(`| \`${code}\` | ${status} | ${exit} |`))
      .map(([code]) => code)
    assert.deepEqual(missing, [], 'add these codes to the table in docs/api.md')
  })
})
