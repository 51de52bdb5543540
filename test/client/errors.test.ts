import { strict as assert } from 'node:assert'
import { errorCatalog, exitCodeFor } from '../../src/contract/errors.js'
import type { ApiError } from '../../src/client/errors.js'
import {
  AuthError,
  fromResponse,
  InputRejectedError,
  LicctlError,
  NetworkError,
  NotFoundError,
  RuleRefusedError,
  ServerError,
  UsageError,
} from '../../src/client/errors.js'

const TOKEN = 'lic_u_abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG'
const OPERATOR = 'lic_op_ZYXWVUTSRQPONMLKJIHGFEDCBA9876543210abcdefg'

/** The error class each exit-code family maps to (SPEC §2). */
const CLASS_OF_EXIT: Record<number, typeof ApiError> = {
  1: ServerError,
  2: InputRejectedError,
  3: RuleRefusedError,
  4: AuthError,
  5: NotFoundError,
}

const body = (code: string, message = 'm') => ({ error: { code, message } })

describe('client: fromResponse, status × code → error class and exit code', function () {
  // status, body, class, exit code, code the error carries
  const table: Array<[number, unknown, typeof ApiError, number, string]> = [
    [400, body('validation_failed'), InputRejectedError, 2, 'validation_failed'],
    [400, body('bad_request'), InputRejectedError, 2, 'bad_request'],
    [400, body('too_many_items'), InputRejectedError, 2, 'too_many_items'],
    [413, body('payload_too_large'), InputRejectedError, 2, 'payload_too_large'],
    [422, body('idempotency_key_reused'), InputRejectedError, 2, 'idempotency_key_reused'],
    [409, body('no_free_seat'), RuleRefusedError, 3, 'no_free_seat'],
    [409, body('pool_expired'), RuleRefusedError, 3, 'pool_expired'],
    [409, body('already_initialized'), RuleRefusedError, 3, 'already_initialized'],
    [
      409,
      body('cloud_license_required', 'Cloud Processing License Required'),
      RuleRefusedError,
      3,
      'cloud_license_required',
    ],
    [401, body('unauthenticated'), AuthError, 4, 'unauthenticated'],
    [403, body('forbidden'), AuthError, 4, 'forbidden'],
    [403, body('not_admin'), AuthError, 4, 'not_admin'],
    [403, body('read_only_token'), AuthError, 4, 'read_only_token'],
    [403, body('wrong_organization'), AuthError, 4, 'wrong_organization'],
    [404, body('not_found'), NotFoundError, 5, 'not_found'],
    [429, body('rate_limited'), ServerError, 1, 'rate_limited'],
    [500, body('internal'), ServerError, 1, 'internal'],
    [503, body('unavailable'), ServerError, 1, 'unavailable'],
    // A code this client does not know yet: the status decides.
    [409, body('some_new_rule'), RuleRefusedError, 3, 'some_new_rule'],
    [403, body('some_new_denial'), AuthError, 4, 'some_new_denial'],
    [422, body('some_new_input_rule'), InputRejectedError, 2, 'some_new_input_rule'],
    [418, body('teapot'), ServerError, 1, 'teapot'],
    // No usable body (a proxy's HTML page, an empty answer): the status decides, and names a code.
    [400, null, InputRejectedError, 2, 'bad_request'],
    [401, null, AuthError, 4, 'unauthenticated'],
    [403, '<html>Forbidden</html>', AuthError, 4, 'forbidden'],
    [404, null, NotFoundError, 5, 'not_found'],
    [409, {}, RuleRefusedError, 3, 'rule_violation'],
    [429, null, ServerError, 1, 'rate_limited'],
    [502, null, ServerError, 1, 'server_error'],
    [504, { error: 'gateway timeout' }, ServerError, 1, 'server_error'],
  ]
  for (const [status, answer, Class, exit, code] of table) {
    it(`${status} ${JSON.stringify(answer)} → ${Class.name}, exit ${exit}, code ${code}`, () => {
      const err = fromResponse(status, answer, 'req_1')
      assert.equal(err.constructor, Class)
      assert.equal(err.exitCode, exit)
      assert.equal(err.code, code)
      assert.equal(err.status, status)
      assert.equal(err.requestId, 'req_1')
      assert.ok(err instanceof LicctlError)
    })
  }

  it('maps every code of the error catalog to its catalog exit code and that family’s class', () => {
    for (const [code, { status, exit }] of Object.entries(errorCatalog)) {
      const err = fromResponse(status, body(code))
      assert.equal(err.exitCode, exit, code)
      assert.equal(err.constructor, CLASS_OF_EXIT[exit], code)
      assert.equal(exitCodeFor(code, 200), exit, `${code}: the code decides, not the status`)
    }
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
    const errors: LicctlError[] = [
      fromResponse(403, {
        error: { code: 'forbidden', message: text, details: { echoed: [TOKEN], note: text } },
      }),
      new UsageError(text, { details: { token: OPERATOR } }),
      new NetworkError(text),
      new LicctlError(text, { code: 'x', exitCode: 1, details: text }),
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

  it('gives network errors exit 1 and a next step', () => {
    const err = new NetworkError('cannot reach http://127.0.0.1:9: connection refused')
    assert.equal(err.exitCode, 1)
    assert.equal(err.code, 'network_error')
    assert.match(String(err.hint), /server URL/)
  })

  it('gives usage errors exit 2', () => {
    const err = new UsageError('missing --url', { hint: 'pass --url' })
    assert.deepEqual([err.exitCode, err.code, err.hint], [2, 'usage', 'pass --url'])
  })
})
