import { strict as assert } from 'node:assert'
import { startApp, type TestApp } from '../helpers/app.js'
import { DIALECTS } from '../helpers/dialects.js'

// The last admin is never demoted or removed (last_admin). Each request counted the admins, then
// changed its own member's row: on PostgreSQL two requests at once, each stepping down a different
// one of the last two admins, both counted two and both went through, leaving no admin at all.
for (const dialect of DIALECTS)
  describe(`concurrency: the last two admins stepped down at once, on ${dialect}`, function () {
    this.timeout(60_000)
    let t: TestApp
    before(async () => {
      t = await startApp(dialect)
      await t.org('duo', 'ann@duo.test')
      const add = await t.call(t.operatorToken, 'POST', '/v1/orgs/duo/users/bulk-add', {
        items: [{ email: 'ben@duo.test', role: 'admin' }],
      })
      assert.equal(add.status, 200, JSON.stringify(add.body))
    })
    after(async () => t?.close())

    const admins = async () =>
      (await t.call(t.operatorToken, 'GET', '/v1/orgs/duo/users?role=admin')).body.items.map(
        (u: { email: string }) => u.email,
      )

    it('demoting or removing both at once leaves one admin: the other request is refused (last_admin)', async () => {
      const steps = [
        (email: string) =>
          t.call(t.operatorToken, 'PATCH', `/v1/orgs/duo/users/${email}`, { role: 'member' }),
        (email: string) =>
          t.call(t.operatorToken, 'POST', '/v1/orgs/duo/users/bulk-remove', { items: [{ email }] }),
      ]
      for (let round = 0; round < 20; round++) {
        const [first, second] = [steps[round % 2]!, steps[Math.floor(round / 2) % 2]!]
        await Promise.all([first('ann@duo.test'), second('ben@duo.test')])
        const left = await admins()
        assert.equal(left.length, 1, `round ${round}: admins left ${JSON.stringify(left)}`)
        // Both admins again for the next round.
        const back = await t.call(t.operatorToken, 'POST', '/v1/orgs/duo/users/bulk-add', {
          items: ['ann@duo.test', 'ben@duo.test'].map((email) => ({ email, role: 'admin' })),
        })
        assert.equal(back.status, 200, JSON.stringify(back.body))
        assert.deepEqual(await admins(), ['ann@duo.test', 'ben@duo.test'])
      }
    })
  })
