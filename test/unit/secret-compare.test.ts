import { strict as assert } from 'node:assert'
import { ESLint } from 'eslint'
import { ROOT } from '../helpers/e2e.js'

/**
 * Tokens are found by an index lookup on their SHA-256 hash, so no secret is compared in JS on the
 * way in; the one comparison that decides (`sameTokenHash`) and the key tag check use
 * `timingSafeEqual`. A timing difference cannot be observed from a test, so the guard is the lint
 * rule in eslint.config.js (`no-restricted-syntax` on src/): `npm run lint` fails on `===` between
 * secrets. This test proves the rule is there and fires, on the regressions one would write.
 */
describe('secrets are compared in constant time (the lint rule)', function () {
  this.timeout(60_000)
  const eslint = new ESLint({ cwd: ROOT })
  const RULE = 'no-restricted-syntax'

  async function findings(code: string, filePath = 'src/server/plugins/auth.ts'): Promise<string[]> {
    const [result] = await eslint.lintText(code, { filePath: `${ROOT}/${filePath}` })
    return result!.messages.filter((m) => m.ruleId === RULE).map((m) => m.message)
  }

  const regressions: Record<string, string> = {
    'stored hash === presented': `declare const row: { token_hash: string }; declare const presented: string
export const ok = row.token_hash === presented`,
    'presented !== stored hash': `declare const row: { token_hash: string }; declare const presented: string
export const bad = presented !== row.token_hash`,
    'hashToken(token) === …': `declare function hashToken(t: string): string; declare const stored: string; declare const t: string
export const ok = hashToken(t) === stored`,
    'token === operatorToken': `declare const token: string; declare const operatorToken: string
export const ok = token === operatorToken`,
    'presentedHash == storedHash': `declare const presentedHash: string; declare const storedHash: string
// eslint-disable-next-line eqeqeq
export const ok = presentedHash == storedHash`,
    'a digest compared with ===': `import { createHash } from 'node:crypto'; declare const stored: string
export const ok = createHash('sha256').update('x').digest('hex') === stored`,
    'an issuing secret compared': `declare const secret: string; declare const given: string
export const ok = given === secret`,
    'a key tag compared': `declare const expectedTag: string; declare const given: string
export const ok = given === expectedTag`,
    'Buffer#equals': `declare const a: Buffer; declare const b: Buffer
export const ok = a.equals(b)`,
    'Buffer.compare': `declare const a: Buffer; declare const b: Buffer
export const ok = Buffer.compare(a, b) === 0`,
  }
  for (const [name, code] of Object.entries(regressions))
    it(`fires on ${name}`, async () => {
      const found = await findings(code)
      assert.ok(found.length > 0, `no ${RULE} finding for:\n${code}`)
      assert.match(found[0]!, /constant time/)
    })

  it('fires in every source file, not only the authentication ones', async () => {
    assert.ok(
      (await findings(regressions['token === operatorToken']!, 'src/commands/new-topic/x.ts')).length > 0,
    )
  })

  it('leaves alone what is not a secret comparison', async () => {
    const fine = `import { timingSafeEqual } from 'node:crypto'
declare const token: string | null; declare const a: Buffer; declare const b: Buffer
declare const row: { kind: string; tokenId: string; request_hash: string; hash: string; revoked_at: number | null }
declare const p: { tokenId: string }; declare const hash: string
export const checks = [
  token === null, token !== undefined, typeof token === 'string', a.length === b.length && timingSafeEqual(a, b),
  row.kind === 'operator', row.tokenId === p.tokenId, row.request_hash !== hash, row.hash === hash, row.revoked_at !== null,
]`
    assert.deepEqual(await findings(fine), [])
  })

  it('the source passes it today: tokens.ts, license-key.ts and the auth plugin', async () => {
    const results = await eslint.lintFiles([
      'src/domain/tokens.ts',
      'src/domain/license-key.ts',
      'src/server/plugins/auth.ts',
      'src/server/services/devices-licensing.ts',
      'src/server/rate-limit.ts',
    ])
    assert.deepEqual(
      results.flatMap((r) =>
        r.messages.filter((m) => m.ruleId === RULE).map((m) => `${r.filePath}:${m.line}`),
      ),
      [],
    )
  })
})
