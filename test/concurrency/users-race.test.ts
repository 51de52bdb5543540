import { strict as assert } from 'node:assert'
import { startApp, type TestApp } from '../helpers/app.js'
import { DIALECTS } from '../helpers/dialects.js'

// Found by test/security/file-fuzz.test.ts, whose organizations are set up side by side: users are
// global, so two organizations adding the same new people at once raced on users.email and one got
// a 500 (a unique violation) on PostgreSQL.
for (const dialect of DIALECTS)
  describe(`concurrency: the same new users added to several organizations at once, on ${dialect}`, function () {
    this.timeout(60_000)
    let t: TestApp
    before(async () => {
      t = await startApp(dialect)
    })
    after(async () => t?.close())

    it('8 organizations add the same 20 new people at once: every request 200, one user each, 8 memberships', async () => {
      const tokens = await Promise.all(Array.from({ length: 8 }, (_, i) => t.org(`race-${i}`)))
      const emails = Array.from({ length: 20 }, (_, i) => `person${i}@race.test`)
      for (let round = 0; round < 3; round++) {
        const batch = emails.map((e) => `r${round}-${e}`)
        const answers = await Promise.all(
          tokens.map((token, i) =>
            t.call(token, 'POST', `/v1/orgs/race-${i}/users/bulk-add`, {
              items: batch.map((email) => ({ email })),
            }),
          ),
        )
        assert.deepEqual(
          answers.map((a) => a.status),
          tokens.map(() => 200),
          JSON.stringify(answers.find((a) => a.status !== 200)?.body),
        )
        const users = await t.storage.db
          .selectFrom('users')
          .select((eb) => eb.fn.countAll<number | string>().as('n'))
          .where('email', 'in', batch)
          .executeTakeFirstOrThrow()
        assert.equal(Number(users.n), batch.length)
        const members = await t.storage.db
          .selectFrom('memberships')
          .innerJoin('users', 'users.id', 'memberships.user_id')
          .select((eb) => eb.fn.countAll<number | string>().as('n'))
          .where('users.email', 'in', batch)
          .executeTakeFirstOrThrow()
        assert.equal(Number(members.n), batch.length * tokens.length)
      }
    })
  })
