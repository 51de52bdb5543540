// One client process of a multi-instance race (test/helpers/race.ts starts several): the built
// LicctlClient (dist/client, undici, its own connection pool) against one server process.
//
// argv[2] is the job, JSON: { baseUrl, token, warm: [method, ...args], calls: [[method, ...args]] },
// a method being `topic.name` of the client (e.g. `seats.checkout`). The process opens its
// connections with the warm call, prints `ready`, waits for a line on stdin, then fires every call at
// once and prints one JSON line: per call `{ ok: true, value }` or `{ ok: false, status, code }`.
// No retries: every answer the server gives is what the test sees.
import { createInterface } from 'node:readline'
import { LicctlClient, ApiError, ClientError } from '../../dist/client/index.js'

const job = JSON.parse(process.argv[2])
const client = LicctlClient.create({ baseUrl: job.baseUrl, token: job.token, retries: 0 })
const call = ([method, ...args]) => {
  const [topic, name] = method.split('.')
  return client[topic][name](...args)
}

await Promise.all(Array.from({ length: 8 }, () => call(job.warm)))
process.stdout.write('ready\n')
await new Promise((go) => createInterface({ input: process.stdin }).once('line', go))

const outcomes = await Promise.all(
  job.calls.map(async (c) => {
    try {
      return { ok: true, value: await call(c) }
    } catch (err) {
      if (err instanceof ApiError) return { ok: false, status: err.status, code: err.code }
      if (err instanceof ClientError) return { ok: false, status: 0, code: err.code }
      throw err
    }
  }),
)
process.stdout.write(JSON.stringify(outcomes) + '\n')
await client.close()
