import { strict as assert } from 'node:assert'
import { calendarDay } from '../../src/domain/dates.js'
import { AppError } from '../../src/server/errors.js'
import { onMemberRemoved } from '../../src/server/services/member-removal.js'
import { startApp, type TestApp } from '../helpers/app.js'
import { DIALECTS } from '../helpers/dialects.js'

/** Follows nextCursor with the given page size; asserts every page respects it. */
async function collect<T>(t: TestApp, token: string, url: string, limit: number): Promise<T[]> {
  const items: T[] = []
  let cursor: string | null = null
  let pages = 0
  do {
    const sep = url.includes('?') ? '&' : '?'
    const res = await t.call(token, 'GET', `${url}${sep}limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`)
    assert.equal(res.status, 200, JSON.stringify(res.body))
    assert.ok(res.body.items.length <= limit)
    items.push(...(res.body.items as T[]))
    cursor = res.body.nextCursor
    pages++
  } while (cursor)
  assert.ok(pages > 1, 'the listing spans several pages')
  return items
}

for (const dialect of DIALECTS) {
  describe(`orgs routes on ${dialect}`, function () {
    let t: TestApp
    let alice: string

    before(async () => {
      t = await startApp(dialect)
      alice = await t.org('acme', 'alice@acme.test')
    })
    after(async () => t.close())
    /** A request and the one field its answer (400 validation_failed) names, with the message. */
    type RefusedCall = [
      token: string,
      method: string,
      path: string,
      body: unknown,
      field: string,
      message: string,
    ]
    const refusedEach = async (calls: RefusedCall[]) => {
      for (const [token, method, path, body, field, message] of calls) {
        const res = await t.call(token, method, path, body)
        assert.equal(res.status, 400, `${method} ${path}: ${JSON.stringify(res.body)}`)
        assert.equal(res.body.error.code, 'validation_failed')
        assert.deepEqual(
          res.body.error.details.issues.map((i: { path: string; message: string }) => [i.path, i.message]),
          [[field, message]],
        )
      }
    }
    // Requests a second apart, as in life: the audit log orders entries of one millisecond by id only.
    beforeEach(() => t.clock.advance(1000))

    describe('organizations', () => {
      it('creates an organization with its first admin, whose token is returned once', async () => {
        const res = await t.call(t.operatorToken, 'POST', '/v1/orgs', {
          slug: 'globex',
          name: 'Globex Corp',
          contactEmail: 'Licensing@Globex.test',
          perpetualLicenses: ['PERP-1234-ABCD'],
          timeZone: 'Europe/Berlin',
          admin: { email: 'Gina@Globex.test', name: 'Gina' },
        })
        assert.equal(res.status, 201)
        assert.deepEqual(res.body.organization, {
          slug: 'globex',
          name: 'Globex Corp',
          contactEmail: 'Licensing@Globex.test',
          contactPhone: null,
          contactAddress: null,
          perpetualLicenses: ['PERP-1234-ABCD'],
          timeZone: 'Europe/Berlin',
          devicePreference: 'shortest',
          createdAt: new Date(t.clock.now()).toISOString(),
          updatedAt: new Date(t.clock.now()).toISOString(),
        })
        assert.equal(res.body.admin.email, 'gina@globex.test')
        assert.match(res.body.admin.token, /^lic_u_[A-Za-z0-9_-]{43}$/)
        const me = await t.call(res.body.admin.token, 'GET', '/v1/me')
        assert.equal(me.body.role, 'admin')
      })

      it('refuses a taken slug (409) and invalid input (400 naming the field)', async () => {
        const taken = await t.call(t.operatorToken, 'POST', '/v1/orgs', { slug: 'acme', name: 'Again' })
        assert.equal(taken.status, 409)
        assert.deepEqual(taken.body.error, {
          code: 'already_exists',
          message: "organization 'acme' already exists",
        })
        for (const [body, path] of [
          [{ slug: 'ok-slug', name: 'x', timeZone: 'Mars/Olympus' }, 'body.timeZone'],
          [{ slug: 'ok-slug', name: 'x', admin: { email: 'not-an-email' } }, 'body.admin.email'],
          [{ slug: 'ok-slug', name: 'x', admin: { email: 'a@b.test', role: 'owner' } }, 'body.admin.role'],
          [{ slug: '-bad', name: 'x' }, 'body.slug'],
          [{ slug: 'ok-slug', name: '' }, 'body.name'],
        ] as const) {
          const res = await t.call(t.operatorToken, 'POST', '/v1/orgs', body)
          assert.equal(res.status, 400, JSON.stringify(body))
          assert.equal(res.body.error.code, 'validation_failed')
          assert.ok(
            res.body.error.details.issues.some((i: { path: string }) => i.path === path),
            `${path} in ${JSON.stringify(res.body.error.details.issues)}`,
          )
        }
      })

      it('lists every organization to the operator, page by page, and only its own to a user', async () => {
        for (const slug of ['org-a', 'org-b', 'org-c', 'org-d'])
          await t.call(t.operatorToken, 'POST', '/v1/orgs', { slug, name: slug })
        const all = await collect<{ slug: string }>(t, t.operatorToken, '/v1/orgs', 2)
        const slugs = all.map((o) => o.slug)
        assert.deepEqual([...slugs].sort(), ['acme', 'globex', 'org-a', 'org-b', 'org-c', 'org-d'])
        assert.equal(new Set(slugs).size, slugs.length)
        const mine = await t.call(alice, 'GET', '/v1/orgs')
        assert.deepEqual(
          mine.body.items.map((o: { slug: string }) => o.slug),
          ['acme'],
        )
        assert.equal(mine.body.nextCursor, null)
      })

      it('shows an organization; an unknown one is 404', async () => {
        assert.equal((await t.call(alice, 'GET', '/v1/orgs/acme')).body.slug, 'acme')
        const missing = await t.call(t.operatorToken, 'GET', '/v1/orgs/nope')
        assert.equal(missing.status, 404)
        assert.deepEqual(missing.body.error, { code: 'not_found', message: "organization 'nope' not found" })
      })

      it('keeps a time zone as IANA spells it, however it was typed, without swapping it for an alias', async () => {
        const zone = async (timeZone: string) => {
          const res = await t.call(t.operatorToken, 'PATCH', '/v1/orgs/globex', { timeZone })
          assert.equal(res.status, 200, JSON.stringify(res.body))
          return res.body.timeZone
        }
        const entries = async () =>
          (await t.call(t.operatorToken, 'GET', '/v1/orgs/globex/audit?action=org.update&limit=1000')).body
            .items.length
        const before = await entries()
        // Already Europe/Berlin: the same zone typed in lower case is no change (nothing audited).
        assert.equal(await zone('europe/berlin'), 'Europe/Berlin')
        assert.equal(await entries(), before)
        // Intl would answer Asia/Calcutta and America/Panama: the name typed is the name kept.
        assert.equal(await zone('asia/kolkata'), 'Asia/Kolkata')
        assert.equal(await zone('est'), 'EST')
        assert.equal(await zone('utc'), 'UTC')
        assert.equal(await zone('Europe/Berlin'), 'Europe/Berlin')
      })

      it('updates contact details (null clears) and audits the fields sent, before and after', async () => {
        t.clock.advance(60_000)
        const res = await t.call(alice, 'PATCH', '/v1/orgs/acme', {
          contactEmail: 'licensing@acme.test',
          contactPhone: '+49 30 1234567',
          devicePreference: 'longest',
        })
        assert.equal(res.status, 200)
        assert.equal(res.body.contactPhone, '+49 30 1234567')
        assert.equal(res.body.devicePreference, 'longest')
        assert.equal(res.body.updatedAt, new Date(t.clock.now()).toISOString())
        t.clock.advance(1000)
        const cleared = await t.call(alice, 'PATCH', '/v1/orgs/acme', { contactPhone: null })
        assert.equal(cleared.body.contactPhone, null)
        assert.equal(cleared.body.contactEmail, 'licensing@acme.test')
        const log = (await t.call(alice, 'GET', '/v1/orgs/acme/audit?action=org.update')).body.items
        assert.deepEqual(
          log.map((e: { before: unknown; after: unknown; actor: string }) => [e.actor, e.before, e.after]),
          [
            ['alice@acme.test', { contactPhone: '+49 30 1234567' }, { contactPhone: null }],
            [
              'alice@acme.test',
              { contactEmail: null, contactPhone: null, devicePreference: 'shortest' },
              {
                contactEmail: 'licensing@acme.test',
                contactPhone: '+49 30 1234567',
                devicePreference: 'longest',
              },
            ],
          ],
        )
      })

      it('an update that changes nothing (a re-run) writes no audit entry and keeps updatedAt; one that changes some fields audits those only', async () => {
        const entries = async () =>
          (await t.call(alice, 'GET', '/v1/orgs/acme/audit?action=org.update')).body.items.length
        const before = (await t.call(alice, 'GET', '/v1/orgs/acme')).body
        const count = await entries()
        t.clock.advance(1000)
        const same = await t.call(alice, 'PATCH', '/v1/orgs/acme', {
          contactEmail: before.contactEmail,
          contactPhone: before.contactPhone,
        })
        assert.equal(same.status, 200, JSON.stringify(same.body))
        assert.deepEqual(same.body, { ...before, changed: false })
        assert.equal(await entries(), count)
        t.clock.advance(1000)
        const some = await t.call(alice, 'PATCH', '/v1/orgs/acme', {
          contactEmail: before.contactEmail,
          contactPhone: '+1 555 0100',
        })
        assert.equal(some.status, 200, JSON.stringify(some.body))
        assert.equal(some.body.updatedAt, new Date(t.clock.now()).toISOString())
        assert.equal(some.body.changed, true)
        const [last] = (await t.call(alice, 'GET', '/v1/orgs/acme/audit?action=org.update')).body.items
        assert.deepEqual(
          [last.before, last.after],
          [{ contactPhone: before.contactPhone }, { contactPhone: '+1 555 0100' }],
        )
        assert.equal(await entries(), count + 1)
      })

      it('refuses unknown keys, an empty update and a bad value (strict bodies)', async () => {
        const unknown = await t.call(alice, 'PATCH', '/v1/orgs/acme', { name: 'A', slug: 'renamed' })
        assert.equal(unknown.status, 400)
        assert.deepEqual(
          unknown.body.error.details.issues.map((i: { path: string }) => i.path),
          ['body.slug'],
        )
        const empty = await t.call(alice, 'PATCH', '/v1/orgs/acme', {})
        assert.equal(empty.status, 400)
        assert.match(empty.body.error.message, /nothing to update/)
        const badPref = await t.call(alice, 'PATCH', '/v1/orgs/acme', { devicePreference: 'random' })
        assert.equal(badPref.status, 400)
        assert.equal(badPref.body.error.details.issues[0].path, 'body.devicePreference')
      })

      it('refuses a body over the size limit with 413 before touching the organization', async () => {
        const res = await t.app.inject({
          method: 'PATCH',
          url: '/v1/orgs/acme',
          headers: { authorization: `Bearer ${alice}`, 'content-type': 'application/json' },
          payload: JSON.stringify({ contactAddress: 'x'.repeat(1_100_000) }),
        })
        assert.equal(res.statusCode, 413)
        assert.deepEqual(res.json(), {
          error: { code: 'payload_too_large', message: 'request body is too large' },
        })
        assert.equal((await t.call(alice, 'GET', '/v1/orgs/acme')).body.contactAddress, null)
      })

      it('answers every response, errors included, with an x-request-id (the client’s when it sends one)', async () => {
        const ok = await t.app.inject({
          method: 'GET',
          url: '/v1/orgs/acme',
          headers: { authorization: `Bearer ${alice}` },
        })
        assert.match(String(ok.headers['x-request-id']), /^req_[0-9a-z]{26}$/)
        const err = await t.app.inject({ method: 'GET', url: '/v1/orgs/acme' })
        assert.match(String(err.headers['x-request-id']), /^req_/)
        const given = await t.app.inject({
          method: 'GET',
          url: '/v1/orgs/acme',
          headers: { authorization: `Bearer ${alice}`, 'x-request-id': 'trace-42' },
        })
        assert.equal(given.headers['x-request-id'], 'trace-42')
      })
    })

    describe('users', () => {
      it('adds members, lists them by role, page by page', async () => {
        const items = Array.from({ length: 6 }, (_, i) => ({ email: `m${i}@acme.test` }))
        const added = await t.call(alice, 'POST', '/v1/orgs/acme/users/bulk-add', {
          items: [...items, { email: 'adam@acme.test', name: 'Adam', role: 'admin' }],
        })
        assert.deepEqual(added.body.summary, { changed: 7, unchanged: 0, failed: 0 })
        const members = await collect<{ email: string; role: string }>(t, alice, '/v1/orgs/acme/users', 3)
        assert.deepEqual(
          members.map((m) => m.email),
          [...members.map((m) => m.email)].sort(),
        )
        assert.equal(members.length, 8)
        const admins = await t.call(alice, 'GET', '/v1/orgs/acme/users?role=admin')
        assert.deepEqual(
          admins.body.items.map((m: { email: string; name: string | null }) => [m.email, m.name]),
          [
            ['adam@acme.test', 'Adam'],
            ['alice@acme.test', null],
          ],
        )
        const badRole = await t.call(alice, 'GET', '/v1/orgs/acme/users?role=owner')
        assert.equal(badRole.status, 400)
      })

      it('adding under another name keeps the name on record and says so in the row, planned or applied', async () => {
        // adam is a member named Adam; m0 has no name; gina is Gina, a member of globex only.
        const items = [
          { email: 'adam@acme.test', name: 'Adam B' },
          { email: 'm0@acme.test', name: 'Em' },
          { email: 'gina@globex.test', name: 'Gina G' },
          { email: 'm1@acme.test' },
          { email: 'adam@acme.test', name: 'Adam', role: 'admin' },
        ]
        const rows = (res: { body: { results: Array<Record<string, unknown>> } }) =>
          res.body.results.map((r) => [r.target, r.status, r.details])
        const expected = (changed: string) => [
          ['adam@acme.test', 'already-so', { role: 'admin', nameOnRecord: 'Adam', nameGiven: 'Adam B' }],
          ['m0@acme.test', 'already-so', { role: 'member', nameOnRecord: null, nameGiven: 'Em' }],
          ['gina@globex.test', changed, { role: 'member', nameOnRecord: 'Gina', nameGiven: 'Gina G' }],
          ['m1@acme.test', 'already-so', { role: 'member' }],
          ['adam@acme.test', 'already-so', { role: 'admin' }],
        ]
        const plan = await t.call(alice, 'POST', '/v1/orgs/acme/users/bulk-add', { items, dryRun: true })
        assert.deepEqual(rows(plan), expected('will-change'))
        const applied = await t.call(alice, 'POST', '/v1/orgs/acme/users/bulk-add', { items })
        assert.deepEqual(rows(applied), expected('changed'))
        const names = (await t.call(alice, 'GET', '/v1/orgs/acme/users?limit=100')).body.items.map(
          (m: { email: string; name: string | null }) => [m.email, m.name],
        )
        for (const [email, name] of [
          ['adam@acme.test', 'Adam'],
          ['m0@acme.test', null],
          ['gina@globex.test', 'Gina'],
        ])
          assert.ok(
            names.some(([e, n]: [string, string | null]) => e === email && n === name),
            JSON.stringify(names),
          )
        const gone = await t.call(alice, 'POST', '/v1/orgs/acme/users/bulk-remove', {
          items: [{ email: 'gina@globex.test' }],
        })
        assert.equal(gone.body.summary.changed, 1)
      })

      it('refuses control characters in the names others see listed (org, member, token, add-on)', async () => {
        // Each would reach an admin's terminal in a table: \x1b[2J clears it, \u202e reverses it.
        const before = (await t.call(t.operatorToken, 'GET', '/v1/orgs/acme')).body
        const calls: Array<[string, string, string, unknown, string]> = [
          [t.operatorToken, 'POST', '/v1/orgs', { slug: 'ctl-1', name: 'Evil\u001b[2J' }, 'body.name'],
          [t.operatorToken, 'PATCH', '/v1/orgs/acme', { contactPhone: '555\u0007123' }, 'body.contactPhone'],
          [
            t.operatorToken,
            'POST',
            '/v1/orgs',
            { slug: 'ctl-2', name: 'Ctl', admin: { email: 'a@ctl.test', name: 'A\u009b2J' } },
            'body.admin.name',
          ],
          [
            alice,
            'POST',
            '/v1/orgs/acme/users/bulk-add',
            { items: [{ email: 'ok@acme.test' }, { email: 'x@acme.test', name: 'X\rY' }] },
            'body.items[1].name',
          ],
          [alice, 'POST', '/v1/orgs/acme/tokens', { name: 'ci\u001b]0;pwned\u0007' }, 'body.name'],
          [
            t.operatorToken,
            'POST',
            '/v1/orgs/acme/cloud/addons',
            { key: 'ctl', name: 'Ctl\u007f', total: 1, expires: '2099-12-31' },
            'body.name',
          ],
        ]
        for (const [token, method, path, body, field] of calls) {
          const res = await t.call(token, method, path, body)
          assert.equal(res.status, 400, `${method} ${path}: ${JSON.stringify(res.body)}`)
          assert.deepEqual(
            res.body.error.details.issues.map((i: { path: string; message: string }) => [i.path, i.message]),
            [[field, 'must not contain control characters']],
          )
        }
        // Nothing was created or changed.
        assert.equal((await t.call(t.operatorToken, 'GET', '/v1/orgs/ctl-1')).status, 404)
        assert.deepEqual((await t.call(t.operatorToken, 'GET', '/v1/orgs/acme')).body, before)
      })

      it('refuses invisible characters in those names, naming the field and the character: zero-width, bidirectional', async () => {
        // `Bob` and `B\u200bob` would list as the same name; \u202e shows `Acme\u202etxt.exe` as `Acmeexe.txt`.
        const before = (await t.call(t.operatorToken, 'GET', '/v1/orgs/acme')).body
        const zw = 'must not contain invisible characters (U+200B, zero-width)'
        const calls: RefusedCall[] = [
          [t.operatorToken, 'POST', '/v1/orgs', { slug: 'zw-1', name: 'Ac\u200bme' }, 'body.name', zw],
          [
            t.operatorToken,
            'PATCH',
            '/v1/orgs/acme',
            { name: 'Acme\u202etxt.exe' },
            'body.name',
            'must not contain invisible characters (U+202E, bidirectional)',
          ],
          [
            alice,
            'POST',
            '/v1/orgs/acme/users/bulk-add',
            { items: [{ email: 'ok@acme.test' }, { email: 'x@acme.test', name: 'B\ufeffob' }] },
            'body.items[1].name',
            'must not contain invisible characters (U+FEFF, zero-width)',
          ],
          [
            alice,
            'POST',
            '/v1/orgs/acme/tokens',
            { name: 'ci\u2066x\u2069' },
            'body.name',
            'must not contain invisible characters (U+2066, bidirectional)',
          ],
          [
            t.operatorToken,
            'POST',
            '/v1/orgs/acme/cloud/addons',
            { key: 'zw', name: 'Cloud\u200dProcessing', total: 1, expires: '2099-12-31' },
            'body.name',
            'must not contain invisible characters (U+200D, zero-width)',
          ],
        ]
        await refusedEach(calls)
        assert.equal((await t.call(t.operatorToken, 'GET', '/v1/orgs/zw-1')).status, 404)
        assert.deepEqual((await t.call(t.operatorToken, 'GET', '/v1/orgs/acme')).body, before)
        const members = (await t.call(alice, 'GET', '/v1/orgs/acme/users?limit=1000')).body.items
        assert.ok(
          !members.some((m: { email: string }) => m.email === 'ok@acme.test'),
          'no row of the refused batch',
        )
      })

      it('refuses control and invisible characters in the contact address and in license names, naming the field', async () => {
        // An address and a license name reach admins' terminals as names do (`orgs show`, messages).
        const before = (await t.call(t.operatorToken, 'GET', '/v1/orgs/acme')).body
        const zw = 'must not contain invisible characters (U+200B, zero-width)'
        const control = 'must not contain control characters'
        const calls: RefusedCall[] = [
          [
            t.operatorToken,
            'PATCH',
            '/v1/orgs/acme',
            { contactAddress: 'Main St\u200b 1' },
            'body.contactAddress',
            zw,
          ],
          [
            t.operatorToken,
            'POST',
            '/v1/orgs',
            { slug: 'addr-1', name: 'Addr', contactAddress: 'Evil\u001b[2J' },
            'body.contactAddress',
            control,
          ],
          [
            t.operatorToken,
            'PATCH',
            '/v1/orgs/acme',
            { contactAddress: 'Main St\u202e1' },
            'body.contactAddress',
            'must not contain invisible characters (U+202E, bidirectional)',
          ],
          [
            alice,
            'POST',
            '/v1/orgs/acme/devices/bulk-assign',
            { items: [{ serial: 'R-1', license: 'R-1\u200b-1' }] },
            'body.items[0].license',
            zw,
          ],
          [
            alice,
            'POST',
            '/v1/orgs/acme/devices/transfer',
            { to: 'wayne', toToken: 'lic_u_' + 'x'.repeat(43), licenses: ['K-1', 'K-2\u0007'] },
            'body.licenses[1]',
            control,
          ],
        ]
        await refusedEach(calls)
        // NUL, which every field refuses (PostgreSQL cannot store it), is a control character too.
        const nul = await t.call(t.operatorToken, 'PATCH', '/v1/orgs/acme', {
          contactAddress: 'Main St\u0000',
        })
        assert.equal(nul.status, 400)
        assert.deepEqual(
          nul.body.error.details.issues.map((i: { path: string; message: string }) => [i.path, i.message]),
          [
            ['body.contactAddress', control],
            ['body.contactAddress', 'must not contain the NUL character (U+0000)'],
          ],
        )
        assert.equal((await t.call(t.operatorToken, 'GET', '/v1/orgs/addr-1')).status, 404)
        assert.deepEqual((await t.call(t.operatorToken, 'GET', '/v1/orgs/acme')).body, before)
        // An address keeps its line breaks: it is several lines.
        const address = 'Hauptstrasse 1\n10115 Berlin'
        const set = await t.call(t.operatorToken, 'PATCH', '/v1/orgs/acme', { contactAddress: address })
        assert.equal(set.status, 200, JSON.stringify(set.body))
        assert.equal(set.body.contactAddress, address)
        // Written \n whichever way the lines came.
        const crlf = await t.call(t.operatorToken, 'PATCH', '/v1/orgs/acme', {
          contactAddress: 'Hauptstrasse 1\r\n10115 Berlin\rGermany',
        })
        assert.equal(crlf.status, 200, JSON.stringify(crlf.body))
        assert.equal(crlf.body.contactAddress, `${address}\nGermany`)
        const cleared = await t.call(t.operatorToken, 'PATCH', '/v1/orgs/acme', { contactAddress: null })
        assert.equal(cleared.status, 200, JSON.stringify(cleared.body))
      })

      it('refuses unknown keys in bulk items, and more than 1,000 items', async () => {
        const extra = await t.call(alice, 'POST', '/v1/orgs/acme/users/bulk-add', {
          items: [{ email: 'x@acme.test', admin: true }],
        })
        assert.equal(extra.status, 400)
        assert.equal(extra.body.error.code, 'validation_failed')
        const many = await t.call(alice, 'POST', '/v1/orgs/acme/users/bulk-add', {
          items: Array.from({ length: 1001 }, (_, i) => ({ email: `u${i}@acme.test` })),
        })
        assert.equal(many.status, 400)
      })

      it('changes a role, audits it, and refuses an unknown member (404) or role (400)', async () => {
        const res = await t.call(alice, 'PATCH', '/v1/orgs/acme/users/m0@acme.test', { role: 'admin' })
        assert.equal(res.status, 200)
        assert.equal(res.body.role, 'admin')
        const [entry] = (await t.call(alice, 'GET', '/v1/orgs/acme/audit?action=user.set-role')).body.items
        assert.deepEqual(
          [entry.target, entry.before, entry.after],
          ['m0@acme.test', { role: 'member' }, { role: 'admin' }],
        )
        const missing = await t.call(alice, 'PATCH', '/v1/orgs/acme/users/ghost@acme.test', { role: 'admin' })
        assert.equal(missing.status, 404)
        assert.equal(missing.body.error.message, "member 'ghost@acme.test' not found")
        const bad = await t.call(alice, 'PATCH', '/v1/orgs/acme/users/m0@acme.test', { role: 'owner' })
        assert.equal(bad.status, 400)
        const extra = await t.call(alice, 'PATCH', '/v1/orgs/acme/users/m0@acme.test', {
          role: 'member',
          x: 1,
        })
        assert.equal(extra.status, 400)
      })

      it('never lets the last admin go: not demoted, not removed, not in bulk', async () => {
        const solo = await t.org('solo', 'sam@solo.test')
        const demote = await t.call(solo, 'PATCH', '/v1/orgs/solo/users/sam@solo.test', { role: 'member' })
        assert.equal(demote.status, 409)
        assert.deepEqual(demote.body.error, {
          code: 'last_admin',
          message: 'sam@solo.test is the last admin; make another member admin first',
        })
        assert.equal(
          (await t.call(solo, 'DELETE', '/v1/orgs/solo/users/sam@solo.test')).body.error.code,
          'last_admin',
        )
        const bulk = await t.call(solo, 'POST', '/v1/orgs/solo/users/bulk-remove', {
          items: [{ email: 'sam@solo.test' }],
        })
        assert.equal(bulk.status, 200)
        assert.deepEqual(
          [bulk.body.results[0].status, bulk.body.results[0].code, bulk.body.summary.failed],
          ['failed', 'last_admin', 1],
        )
        assert.equal((await t.call(solo, 'GET', '/v1/me')).body.role, 'admin')
      })

      it('an admin cannot remove themselves (their own token would stop a bulk job half-way); another admin can', async () => {
        const dan = await t.org('duo', 'dan@duo.test')
        await t.call(dan, 'POST', '/v1/orgs/duo/users/bulk-add', {
          items: [{ email: 'eve@duo.test', role: 'admin' }, { email: 'max@duo.test' }],
        })
        const items = [{ email: 'Dan@duo.test' }, { email: 'max@duo.test' }]
        const refusal = {
          status: 'failed',
          code: 'cannot_remove_self',
          message: 'dan@duo.test is you: you cannot remove yourself (another admin, or the operator, can)',
        }
        const dry = await t.call(dan, 'POST', '/v1/orgs/duo/users/bulk-remove', { items, dryRun: true })
        assert.deepEqual(
          dry.body.results.map((r: { status: string; code?: string; message?: string }) => [
            r.status,
            r.code,
          ]),
          [
            ['will-fail', 'cannot_remove_self'],
            ['will-change', undefined],
          ],
        )
        const res = await t.call(dan, 'POST', '/v1/orgs/duo/users/bulk-remove', { items })
        const [self, other] = res.body.results
        assert.deepEqual({ status: self.status, code: self.code, message: self.message }, refusal)
        assert.equal(other.status, 'changed')
        // The job's token still works: nothing after the row was refused for want of one.
        assert.equal((await t.call(dan, 'GET', '/v1/me')).status, 200)
        const alone = await t.call(dan, 'DELETE', '/v1/orgs/duo/users/dan@duo.test')
        assert.deepEqual([alone.status, alone.body.error.code], [409, 'cannot_remove_self'])
        const eve = (await t.call(dan, 'POST', '/v1/orgs/duo/tokens', { userEmail: 'eve@duo.test' })).body
          .token
        assert.equal((await t.call(eve, 'DELETE', '/v1/orgs/duo/users/dan@duo.test')).status, 200)
      })

      it('a file of users to add that demotes the admin running it fails that row (set-role steps down)', async () => {
        const fay = await t.org('trio', 'fay@trio.test')
        await t.call(fay, 'POST', '/v1/orgs/trio/users/bulk-add', {
          items: [{ email: 'gus@trio.test', role: 'admin' }],
        })
        // An HR export with "member" on every row, the admin's own among them.
        const items = [
          { email: 'Fay@trio.test', role: 'member' },
          { email: 'hal@trio.test', role: 'member' },
        ]
        const dry = await t.call(fay, 'POST', '/v1/orgs/trio/users/bulk-add', { items, dryRun: true })
        assert.deepEqual(
          dry.body.results.map((r: { status: string; code?: string }) => [r.status, r.code]),
          [
            ['will-fail', 'cannot_demote_self'],
            ['will-change', undefined],
          ],
        )
        const res = await t.call(fay, 'POST', '/v1/orgs/trio/users/bulk-add', { items })
        assert.deepEqual(
          res.body.results.map((r: { status: string; code?: string; message?: string }) => [
            r.status,
            r.code,
            r.message,
          ]),
          [
            [
              'failed',
              'cannot_demote_self',
              'fay@trio.test is you: adding users never demotes the admin doing it (the rest of the job would be refused); to step down, use orgs users set-role (PATCH /v1/orgs/{org}/users/{email})',
            ],
            ['changed', undefined, undefined],
          ],
        )
        assert.equal((await t.call(fay, 'GET', '/v1/me')).body.role, 'admin')
        const down = await t.call(fay, 'PATCH', '/v1/orgs/trio/users/fay@trio.test', { role: 'member' })
        assert.equal(down.status, 200)
      })

      it('removing a member revokes all their tokens in the organization and audits what was released', async () => {
        const tokens = []
        for (const name of ['laptop', 'ci'])
          tokens.push(
            (await t.call(alice, 'POST', '/v1/orgs/acme/tokens', { userEmail: 'm1@acme.test', name })).body
              .token,
          )
        const res = await t.call(alice, 'DELETE', '/v1/orgs/acme/users/m1@acme.test')
        assert.deepEqual(res.body, {
          email: 'm1@acme.test',
          tokensRevoked: 2,
          leasesReleased: [],
          addonsRevoked: [],
          releases: [
            { topic: 'seats', noun: 'seats', action: 'released', count: 0, items: [] },
            { topic: 'cloud', noun: 'add-ons', action: 'revoked', count: 0, items: [] },
            { topic: 'tokens', noun: 'tokens', action: 'revoked', count: 2, items: [] },
          ],
        })
        for (const tok of tokens) assert.equal((await t.call(tok, 'GET', '/v1/me')).status, 401)
        const [entry] = (await t.call(alice, 'GET', '/v1/orgs/acme/audit?action=user.remove')).body.items
        assert.deepEqual(
          [entry.target, entry.before, entry.after],
          ['m1@acme.test', { role: 'member' }, res.body],
        )
        const listed = (await t.call(alice, 'GET', '/v1/orgs/acme/tokens?limit=1000')).body.items
        assert.ok(listed.every((i: { userEmail: string }) => i.userEmail !== 'm1@acme.test'))
        const again = await t.call(alice, 'DELETE', '/v1/orgs/acme/users/m1@acme.test')
        assert.equal(again.status, 404)
      })

      it('runs every topic registered with onMemberRemoved in the removal transaction: a refusal keeps all', async () => {
        await t.call(alice, 'POST', '/v1/orgs/acme/users/bulk-add', {
          items: [{ email: 'hooked@acme.test' }],
        })
        await t.call(alice, 'POST', '/v1/orgs/acme/tokens', { userEmail: 'hooked@acme.test' })
        let refuse = true
        const seen: string[] = []
        const unregister = onMemberRemoved({
          topic: 'gadgets',
          noun: 'gadgets',
          action: 'unplugged',
          order: 50,
          hook: async ({ email }) => {
            seen.push(email)
            if (refuse) throw new AppError('rule_violation', 'a gadget is still plugged in')
            return { count: 2, items: ['kettle', 'lamp'] }
          },
        })
        try {
          const refused = await t.call(alice, 'DELETE', '/v1/orgs/acme/users/hooked@acme.test')
          assert.deepEqual([refused.status, refused.body.error.code], [409, 'rule_violation'])
          // The tokens hook ran before the refusal; its revocation was rolled back with it.
          const kept = await t.call(alice, 'GET', '/v1/orgs/acme/tokens?limit=1000')
          assert.ok(kept.body.items.some((i: { userEmail: string }) => i.userEmail === 'hooked@acme.test'))
          refuse = false
          const res = await t.call(alice, 'DELETE', '/v1/orgs/acme/users/hooked@acme.test')
          assert.equal(res.status, 200)
          assert.deepEqual(
            res.body.releases.map((r: { topic: string; count: number; items: string[] }) => [
              r.topic,
              r.count,
              r.items,
            ]),
            [
              ['seats', 0, []],
              ['cloud', 0, []],
              ['gadgets', 2, ['kettle', 'lamp']],
              ['tokens', 1, []],
            ],
          )
          assert.deepEqual(seen, ['hooked@acme.test', 'hooked@acme.test'])
        } finally {
          unregister()
        }
      })
    })

    describe('tokens', () => {
      it('creates tokens for oneself or (admins) another member, never listing the secret', async () => {
        const res = await t.call(alice, 'POST', '/v1/orgs/acme/tokens', {
          name: 'ci',
          readOnly: true,
          expiresAt: '2026-12-31T00:00:00Z',
          userEmail: 'M2@acme.test',
        })
        assert.equal(res.status, 201)
        const { token, ...info } = res.body
        assert.match(token, /^lic_u_/)
        assert.deepEqual(
          { ...info, id: undefined, createdAt: undefined },
          {
            id: undefined,
            name: 'ci',
            prefix: token.slice(0, 10),
            userEmail: 'm2@acme.test',
            readOnly: true,
            createdAt: undefined,
            expiresAt: '2026-12-31T00:00:00.000Z',
            lastUsedAt: null,
            state: 'live',
            revokedAt: null,
          },
        )
        const listed = await t.call(alice, 'GET', '/v1/orgs/acme/tokens?limit=1000')
        const row = listed.body.items.find((i: { id: string }) => i.id === info.id)
        assert.deepEqual(row, info)
        assert.ok(!JSON.stringify(listed.body).includes(token.slice(10)))
        const [entry] = (await t.call(alice, 'GET', '/v1/orgs/acme/audit?action=token.create')).body.items
        assert.deepEqual(
          [entry.target, entry.after],
          [info.id, { user: 'm2@acme.test', readOnly: true, name: 'ci' }],
        )
      })

      it('computes a token expiry on the server from what was typed: a duration, a date in the org’s zone, an instant', async () => {
        const created = await t.call(t.operatorToken, 'POST', '/v1/orgs', {
          slug: 'nyc',
          name: 'NYC',
          timeZone: 'America/New_York',
          admin: { email: 'ned@nyc.test' },
        })
        const ned = created.body.admin.token as string
        const expiry = async (expires: string) => {
          const res = await t.call(ned, 'POST', '/v1/orgs/nyc/tokens', { expires })
          return res.status === 201 ? res.body.expiresAt : [res.status, res.body.error.message]
        }
        assert.equal(await expiry('30d'), new Date(t.clock.now() + 30 * 86_400_000).toISOString())
        // Valid through March 31 in New York (EDT, UTC-4): it ends at midnight there.
        assert.equal(await expiry('2027-03-31'), '2027-04-01T04:00:00.000Z')
        assert.equal(await expiry('2027-01-15T00:00:00+01:00'), '2027-01-14T23:00:00.000Z')
        assert.deepEqual(await expiry('soon'), [
          400,
          'body.expires: expected a date (2027-12-31), an ISO-8601 instant with its offset (2027-12-31T17:00:00Z) or a duration like 7d',
        ])
        // Worded as every past expiration is (a seat pool's, an add-on's): the input against today, then why.
        assert.deepEqual(await expiry('2020-01-01'), [
          400,
          `body.expires: '2020-01-01' has passed (today is ${calendarDay(t.clock.now(), 'America/New_York')} in America/New_York): the token would be expired on arrival`,
        ])
        const both = await t.call(ned, 'POST', '/v1/orgs/nyc/tokens', {
          expires: '30d',
          expiresAt: '2027-01-01T00:00:00Z',
        })
        assert.deepEqual(
          [both.status, both.body.error.message],
          [400, 'expires: give expires or expiresAt, not both'],
        )
      })

      it('shows one token: admins any, members their own (not_admin otherwise), 404 for an unknown id', async () => {
        const made = await t.call(alice, 'POST', '/v1/orgs/acme/tokens', {
          name: 'shown',
          userEmail: 'm2@acme.test',
        })
        assert.equal(made.status, 201)
        const { token, ...info } = made.body
        assert.ok(token)
        const shown = await t.call(alice, 'GET', `/v1/orgs/acme/tokens/${info.id.toUpperCase()}`)
        assert.deepEqual([shown.status, shown.body], [200, info])
        assert.equal((await t.call(token, 'GET', `/v1/orgs/acme/tokens/${info.id}`)).body.id, info.id)
        const aliceTokenId = (await t.call(alice, 'GET', '/v1/me')).body.tokenId as string
        const other = await t.call(token, 'GET', `/v1/orgs/acme/tokens/${aliceTokenId}`)
        assert.deepEqual([other.status, other.body.error?.code], [403, 'not_admin'])
        const unknown = await t.call(alice, 'GET', '/v1/orgs/acme/tokens/tok_00000000000000000000000000')
        assert.deepEqual([unknown.status, unknown.body.error?.code], [404, 'not_found'])
      })

      it('refuses a token for a non-member, a past expiry, an operator token without a user, unknown keys', async () => {
        const stranger = await t.call(alice, 'POST', '/v1/orgs/acme/tokens', { userEmail: 'zed@else.test' })
        assert.equal(stranger.status, 409)
        assert.equal(stranger.body.error.code, 'not_a_member')
        const past = await t.call(alice, 'POST', '/v1/orgs/acme/tokens', {
          expiresAt: '2026-01-15T09:59:59Z',
        })
        assert.equal(past.status, 400)
        assert.equal(
          past.body.error.message,
          `body.expiresAt: '2026-01-15T09:59:59Z' is not in the future (it is now ${new Date(t.clock.now()).toISOString()}): the token would be expired on arrival`,
        )
        const operator = await t.call(t.operatorToken, 'POST', '/v1/orgs/acme/tokens', {})
        assert.equal(operator.status, 400)
        const forAlice = await t.call(t.operatorToken, 'POST', '/v1/orgs/acme/tokens', {
          userEmail: 'alice@acme.test',
        })
        assert.equal(forAlice.status, 201)
        const extra = await t.call(alice, 'POST', '/v1/orgs/acme/tokens', { scopes: ['all'] })
        assert.equal(extra.status, 400)
        const noOffset = await t.call(alice, 'POST', '/v1/orgs/acme/tokens', {
          expiresAt: '2027-01-01T00:00:00',
        })
        assert.equal(noOffset.status, 400)
      })

      it('revokes a token and audits it; again is already so (200, changed false, one audit entry); unknown ids are 404', async () => {
        const { id } = (await t.call(alice, 'POST', '/v1/orgs/acme/tokens', { name: 'temp' })).body
        const res = await t.call(alice, 'DELETE', `/v1/orgs/acme/tokens/${id}`)
        const revokedAt = new Date(t.clock.now()).toISOString()
        assert.deepEqual(
          [res.status, res.body.id, res.body.state, res.body.revokedAt, res.body.changed],
          [200, id, 'revoked', revokedAt, true],
        )
        // Later, again: the token as it was revoked, at its first revocation's time.
        t.clock.advance(60_000)
        const again = await t.call(alice, 'DELETE', `/v1/orgs/acme/tokens/${id}`)
        assert.deepEqual(
          { ...again.body, lastUsedAt: null },
          { ...res.body, lastUsedAt: null, changed: false },
        )
        assert.equal(again.status, 200)
        // Shown, it is revoked, at that time (what `orgs tokens revoke` reads before it asks).
        const shown = await t.call(alice, 'GET', `/v1/orgs/acme/tokens/${id}`)
        assert.deepEqual([shown.status, shown.body.state, shown.body.revokedAt], [200, 'revoked', revokedAt])
        const missing = await t.call(alice, 'DELETE', '/v1/orgs/acme/tokens/tok_nope')
        assert.deepEqual([missing.status, missing.body.error.message], [404, "token 'tok_nope' not found"])
        const entries = (await t.call(alice, 'GET', '/v1/orgs/acme/audit?action=token.revoke')).body.items
        assert.deepEqual(
          entries.map((e: { target: string; before: unknown }) => [e.target, e.before]),
          [[id, { user: 'alice@acme.test' }]],
        )
        // In capitals, as read off a ticket: the same token (Crockford base32 ignores case).
        const loud = (await t.call(alice, 'POST', '/v1/orgs/acme/tokens', { name: 'loud' })).body.id as string
        const caps = await t.call(alice, 'DELETE', `/v1/orgs/acme/tokens/${loud.toUpperCase()}`)
        assert.deepEqual([caps.status, caps.body.id, caps.body.state], [200, loud, 'revoked'])
      })

      it('lists only live tokens: an expired one drops out of the list', async () => {
        const expiresAt = new Date(t.clock.now() + 10_000).toISOString()
        const { id } = (await t.call(alice, 'POST', '/v1/orgs/acme/tokens', { name: 'brief', expiresAt }))
          .body
        const ids = async () =>
          (await t.call(alice, 'GET', '/v1/orgs/acme/tokens?limit=1000')).body.items.map(
            (i: { id: string }) => i.id,
          )
        assert.ok((await ids()).includes(id))
        t.clock.advance(10_000)
        assert.ok(!(await ids()).includes(id))
      })

      it('lists expired and revoked tokens too with all=true, each with its state; a member only their own', async () => {
        const make = async (token: string, body: object) =>
          (await t.call(token, 'POST', '/v1/orgs/acme/tokens', body)).body as { id: string; token: string }
        const m2 = (await make(alice, { name: 'm2-own', userEmail: 'm2@acme.test' })).token
        const lapsing = await make(alice, { name: 'lapsing', expires: '1h' })
        const revoked = await make(alice, { name: 'gone' })
        const theirs = await make(m2, { name: 'm2-lapsing', expires: '1h' })
        const res = await t.call(alice, 'DELETE', `/v1/orgs/acme/tokens/${revoked.id}`)
        assert.deepEqual(
          [res.body.state, res.body.revokedAt],
          ['revoked', new Date(t.clock.now()).toISOString()],
        )
        t.clock.advance(3_600_000)
        const list = async (token: string, query: string) => {
          const r = await t.call(token, 'GET', `/v1/orgs/acme/tokens?limit=1000${query}`)
          assert.equal(r.status, 200, JSON.stringify(r.body))
          return new Map(r.body.items.map((i: { id: string; state: string }) => [i.id, i.state]))
        }
        const live = await list(alice, '')
        assert.deepEqual(
          [lapsing.id, revoked.id, theirs.id].map((id) => live.get(id)),
          [undefined, undefined, undefined],
        )
        assert.ok([...live.values()].every((s) => s === 'live'))
        const all = await list(alice, '&all=true')
        assert.deepEqual(
          [lapsing.id, revoked.id, theirs.id].map((id) => all.get(id)),
          ['expired', 'revoked', 'expired'],
        )
        const mine = await list(m2, '&all=true')
        assert.deepEqual([...mine.keys()].includes(theirs.id), true)
        assert.deepEqual([...mine.keys()].includes(lapsing.id), false)
        const bad = await t.call(alice, 'GET', '/v1/orgs/acme/tokens?all=maybe')
        assert.deepEqual(
          [bad.status, bad.body.error.details.issues.map((i: { path: string }) => i.path)],
          [400, ['query.all']],
        )
      })

      it('pages through tokens with a cursor', async () => {
        for (let i = 0; i < 5; i++) await t.call(alice, 'POST', '/v1/orgs/acme/tokens', { name: `page-${i}` })
        const all = await collect<{ id: string }>(t, alice, '/v1/orgs/acme/tokens', 2)
        const ids = all.map((i) => i.id)
        assert.deepEqual(ids, [...ids].sort())
        assert.equal(new Set(ids).size, ids.length)
        assert.equal(
          ids.length,
          (await t.call(alice, 'GET', '/v1/orgs/acme/tokens?limit=1000')).body.items.length,
        )
      })
    })

    describe('audit', () => {
      it('reads newest first, page by page, filtered by a literal action prefix and by time', async () => {
        const all = await collect<{ id: string; action: string; at: string }>(
          t,
          alice,
          '/v1/orgs/acme/audit',
          4,
        )
        const ids = all.map((e) => e.id)
        assert.deepEqual(ids, [...ids].sort().reverse())
        assert.equal(new Set(ids).size, ids.length)
        assert.ok(all.length > 8)

        const users = (await t.call(alice, 'GET', '/v1/orgs/acme/audit?limit=1000&action=user.')).body.items
        assert.ok(users.length > 0)
        assert.ok(users.every((e: { action: string }) => e.action.startsWith('user.')))
        // Wildcards are literal: `user_` is not `user.`.
        assert.deepEqual((await t.call(alice, 'GET', '/v1/orgs/acme/audit?action=user_')).body.items, [])
        assert.deepEqual((await t.call(alice, 'GET', '/v1/orgs/acme/audit?action=%25')).body.items, [])
        // Emails are case-insensitive here as everywhere: an actor or a target typed in capitals finds
        // the same entries (so do hosts, tested with activations; device serials keep their case).
        const idsOf = async (query: string) =>
          (await t.call(alice, 'GET', `/v1/orgs/acme/audit?limit=1000&${query}`)).body.items.map(
            (e: { id: string }) => e.id,
          )
        const byAlice = await idsOf('actor=alice%40acme.test')
        assert.ok(byAlice.length > 0)
        assert.deepEqual(await idsOf('actor=Alice%40ACME.test'), byAlice)
        const email = users.find((e: { target: string }) => e.target.includes('@'))!.target as string
        const about = await idsOf(`target=${encodeURIComponent(email)}`)
        assert.ok(about.length > 0)
        assert.deepEqual(await idsOf(`target=${encodeURIComponent(email.toUpperCase())}`), about)

        t.clock.advance(3_600_000)
        const since = new Date(t.clock.now()).toISOString()
        await t.call(alice, 'PATCH', '/v1/orgs/acme', { name: 'Acme Surveying' })
        const recent = (await t.call(alice, 'GET', `/v1/orgs/acme/audit?since=${since}`)).body.items
        assert.deepEqual(
          recent.map((e: { action: string; at: string }) => [e.action, e.at]),
          [['org.update', since]],
        )
        const bad = await t.call(alice, 'GET', '/v1/orgs/acme/audit?since=yesterday')
        assert.equal(bad.status, 400)
      })

      it('counts a duration ago (since=1h, until=1h) on the server’s clock, never the caller’s', async () => {
        // The server's clock is a day past everything so far, and months away from the real one.
        t.clock.advance(86_400_000)
        await t.call(alice, 'PATCH', '/v1/orgs/acme', { name: 'Acme One' })
        const one = new Date(t.clock.now()).toISOString()
        t.clock.advance(2 * 3_600_000)
        await t.call(alice, 'PATCH', '/v1/orgs/acme', { name: 'Acme Two' })
        const listed = async (query: string) => {
          const res = await t.call(alice, 'GET', `/v1/orgs/acme/audit?limit=1000&${query}`)
          assert.equal(res.status, 200, JSON.stringify(res.body))
          return res.body.items as Array<{ at: string; after: { name?: string } | null }>
        }
        assert.deepEqual(
          (await listed('since=1h')).map((e) => e.after?.name),
          ['Acme Two'],
        )
        assert.deepEqual(
          (await listed('since=3h&until=1H')).map((e) => [e.after?.name, e.at]),
          [['Acme One', one]],
        )
        const before = await listed('until=1h')
        assert.equal(before[0]!.after?.name, 'Acme One')
        assert.ok(before.length > 1)
        // An instant against a duration: the server compares them on its clock.
        assert.deepEqual(
          (await listed(`since=${one}&until=1h`)).map((e) => e.after?.name),
          ['Acme One'],
        )
        for (const [query, path, message] of [
          ['since=1h&until=3h', 'query.until', "must be after since (1h ago), got '3h'"],
          [`since=${one}&until=3h`, 'query.until', `must be after since (${one}), got '3h'`],
          ['since=0s', 'query.since', 'expected a duration longer than zero'],
          ['since=99999999999d', 'query.since', 'longer than any time licctl stores (at most 2932896d)'],
          // Within that, but further back than the earliest time from the server's now (2026).
          [
            'since=25000d',
            'query.since',
            "before 1970-01-01T00:00:00Z, the earliest time licctl stores, got '25000d'",
          ],
        ] as const) {
          const res = await t.call(alice, 'GET', `/v1/orgs/acme/audit?${query}`)
          assert.equal(res.status, 400, `${query}: ${JSON.stringify(res.body)}`)
          assert.equal(res.body.error.code, 'validation_failed')
          assert.equal(res.body.error.message, `${path}: ${message}`)
        }
      })

      it('counts a duration ago from the first page’s now on every page: the window does not move while it is read', async () => {
        t.clock.advance(86_400_000)
        for (const name of ['Page One', 'Page Two', 'Page Three']) {
          await t.call(alice, 'PATCH', '/v1/orgs/acme', { name })
          t.clock.advance(1000)
        }
        // Now is 3 s after the first of them: since=3s takes it in, at the first page's now.
        const names: Array<string | undefined> = []
        let cursor: string | null = null
        do {
          const query: string = `since=3s&limit=1${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`
          const res = await t.call(alice, 'GET', `/v1/orgs/acme/audit?${query}`)
          assert.equal(res.status, 200, JSON.stringify(res.body))
          names.push(...res.body.items.map((e: { after: { name?: string } | null }) => e.after?.name))
          cursor = res.body.nextCursor
          // Each next page is read a second later: counted from its own now, since=3s would drop
          // the oldest entry by the last page.
          t.clock.advance(1000)
        } while (cursor)
        assert.deepEqual(names, ['Page Three', 'Page Two', 'Page One'])
        // The now a cursor carries is checked like the rest of it.
        const first = await t.call(alice, 'GET', '/v1/orgs/acme/audit?limit=1')
        for (const forged of [`${first.body.nextCursor}.zzzzzzzzzzzz`, `${first.body.nextCursor}.-1`]) {
          const res = await t.call(
            alice,
            'GET',
            `/v1/orgs/acme/audit?limit=1&cursor=${encodeURIComponent(forged)}`,
          )
          assert.equal(res.status, 400, forged)
          assert.match(res.body.error.message, /^cursor: not a cursor of this list/)
        }
      })

      it('refuses an until not after since (400 naming both), rather than an empty list', async () => {
        for (const [since, until] of [
          ['2027-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z'],
          ['2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z'],
        ] as const) {
          const res = await t.call(alice, 'GET', `/v1/orgs/acme/audit?since=${since}&until=${until}`)
          assert.equal(res.status, 400, JSON.stringify(res.body))
          assert.equal(res.body.error.code, 'validation_failed')
          assert.equal(res.body.error.message, `query.until: must be after since (${since}), got '${until}'`)
          assert.deepEqual(
            res.body.error.details.issues.map((i: { path: string }) => i.path),
            ['query.until'],
          )
        }
        const day = await t.call(
          alice,
          'GET',
          '/v1/orgs/acme/audit?since=2026-01-01T00:00:00.000Z&until=2026-01-02T00:00:00.000Z',
        )
        assert.equal(day.status, 200, JSON.stringify(day.body))
      })
    })
  })
}
