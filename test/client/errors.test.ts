import { strict as assert } from 'node:assert'
import { errorCatalog, exitCodeFor } from '../../src/contract/errors.js'
import { ApiError, ClientError, fromResponse, NetworkError } from '../../src/client/errors.js'
import { CliError, failureOf, UsageError } from '../../src/cli/errors.js'

const TOKEN = 'lic_u_abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG'
const OPERATOR = 'lic_op_ZYXWVUTSRQPONMLKJIHGFEDCBA9876543210abcdefg'

const body = (code: string, message = 'm') => ({ error: { code, message } })

describe('client: fromResponse, status × code → one ApiError; the CLI maps it to an exit code', function () {
  // status, body, exit code (in the CLI), code the error carries
  const table: Array<[number, unknown, number, string]> = [
    [400, body('validation_failed'), 2, 'validation_failed'],
    [400, body('bad_request'), 2, 'bad_request'],
    [400, body('too_many_items'), 2, 'too_many_items'],
    [413, body('payload_too_large'), 2, 'payload_too_large'],
    [422, body('idempotency_key_reused'), 2, 'idempotency_key_reused'],
    [409, body('no_free_seat'), 3, 'no_free_seat'],
    [409, body('pool_expired'), 3, 'pool_expired'],
    [409, body('already_initialized'), 2, 'already_initialized'],
    [409, body('cloud_license_required', 'Cloud Processing License Required'), 3, 'cloud_license_required'],
    [401, body('unauthenticated'), 4, 'unauthenticated'],
    [403, body('forbidden'), 4, 'forbidden'],
    [403, body('not_admin'), 4, 'not_admin'],
    [403, body('read_only_token'), 4, 'read_only_token'],
    [403, body('wrong_organization'), 4, 'wrong_organization'],
    [404, body('not_found'), 5, 'not_found'],
    [405, body('method_not_allowed'), 2, 'method_not_allowed'],
    [429, body('rate_limited'), 1, 'rate_limited'],
    [500, body('internal'), 1, 'internal'],
    [503, body('unavailable'), 1, 'unavailable'],
    // A code this client does not know yet: the status decides.
    [409, body('some_new_rule'), 3, 'some_new_rule'],
    [403, body('some_new_denial'), 4, 'some_new_denial'],
    [422, body('some_new_input_rule'), 2, 'some_new_input_rule'],
    [418, body('teapot'), 1, 'teapot'],
    // No usable body (a proxy's HTML page, an empty answer): the status decides, and names a code.
    [400, null, 2, 'bad_request'],
    [401, null, 4, 'unauthenticated'],
    [403, '<html>Forbidden</html>', 4, 'forbidden'],
    [404, null, 5, 'not_found'],
    [405, null, 2, 'method_not_allowed'],
    [409, {}, 3, 'rule_violation'],
    [429, null, 1, 'rate_limited'],
    [502, null, 1, 'server_error'],
    [504, { error: 'gateway timeout' }, 1, 'server_error'],
  ]
  for (const [status, answer, exit, code] of table) {
    it(`${status} ${JSON.stringify(answer)} → ApiError ${code}, exit ${exit}`, () => {
      const err = fromResponse(status, answer, 'req_1')
      assert.equal(err.constructor, ApiError)
      assert.equal(err.code, code)
      assert.equal(err.status, status)
      assert.equal(err.requestId, 'req_1')
      assert.ok(!('exitCode' in err), 'the client knows no exit codes')
      assert.equal(failureOf(err).exitCode, exit)
      assert.equal(failureOf(err).code, code)
    })
  }

  it('maps every code of the error catalog to its catalog exit code, whatever the status', () => {
    for (const [code, { status, exit }] of Object.entries(errorCatalog)) {
      assert.equal(failureOf(fromResponse(status, body(code))).exitCode, exit, code)
      assert.equal(exitCodeFor(code, 200), exit, `${code}: the code decides, not the status`)
    }
  })

  it('maps the client’s own failures and the CLI’s errors', () => {
    const network = failureOf(new NetworkError('cannot reach http://127.0.0.1:9: connection refused'))
    assert.deepEqual([network.exitCode, network.code], [1, 'network_error'])
    assert.match(String(network.hint), /server URL/)
    // No answer within the request's time: exit 1 too, and the variable that sets the time.
    const timeout = failureOf(
      new NetworkError('no answer from licenses.test within 30s', undefined, 'timeout'),
    )
    assert.deepEqual(
      [timeout.exitCode, timeout.code, timeout.message, timeout.hint],
      [
        1,
        'timeout',
        'no answer from licenses.test within 30s',
        'set LICCTL_TIMEOUT to wait longer, e.g. LICCTL_TIMEOUT=2m (30s by default)',
      ],
    )
    assert.equal(failureOf(new ClientError('invalid server URL: x', { code: 'invalid_url' })).exitCode, 2)
    assert.equal(failureOf(new ClientError('unexpected response', { code: 'bad_response' })).exitCode, 1)
    const usage = failureOf(new UsageError('missing --url', { hint: 'pass --url' }))
    assert.deepEqual([usage.exitCode, usage.code, usage.hint], [2, 'usage', 'pass --url'])
    assert.deepEqual(
      [
        failureOf(new Error('boom')).exitCode,
        failureOf(new Error('boom')).code,
        failureOf(new Error('boom')).expected,
      ],
      [1, 'unexpected', false],
    )
  })

  it('keeps the server’s message and details, and says the status when there is no message', () => {
    const err = fromResponse(400, {
      error: {
        code: 'validation_failed',
        message: 'body.slug: bad',
        details: { issues: [{ path: 'body.slug' }] },
      },
    })
    assert.equal(err.message, 'body.slug: bad')
    assert.deepEqual(err.details, { issues: [{ path: 'body.slug' }] })
    assert.equal(fromResponse(502, null).message, 'server answered 502')
  })
})

describe('client: errors never carry a token', function () {
  it('redacts tokens from the message and the details of every error class', () => {
    const text = `token ${TOKEN} and ${OPERATOR} refused`
    const errors: Array<ClientError | CliError> = [
      fromResponse(403, {
        error: { code: 'forbidden', message: text, details: { echoed: [TOKEN], note: text } },
      }),
      new UsageError(text, { details: { token: OPERATOR } }),
      new NetworkError(text),
      new CliError(text, { code: 'x', exitCode: 1, details: text }),
    ]
    for (const err of errors) {
      const shown = `${err.message} ${JSON.stringify(err.details)}`
      assert.ok(!shown.includes(TOKEN) && !shown.includes(OPERATOR), `${err.name}: ${shown}`)
      assert.equal(err.message, 'token lic_u_[REDACTED] and lic_op_[REDACTED] refused')
    }
    assert.deepEqual(errors[0]!.details, {
      echoed: ['lic_u_[REDACTED]'],
      note: 'token lic_u_[REDACTED] and lic_op_[REDACTED] refused',
    })
  })
})
