import { strict as assert } from 'node:assert'
import { describeRemoval } from '../../src/commands/orgs/users/remove.js'

const release = (topic: string, noun: string, action: string, count: number, items: string[] = []) => ({
  topic,
  noun,
  action,
  count,
  items,
})

describe('orgs users remove: what a removal released, said per row', () => {
  it('says each topic that released something, with its items or its count, in the server’s order', () => {
    assert.equal(
      describeRemoval({
        releases: [
          release('seats', 'seats', 'released', 2, ['cad-pro on ws-1', 'cad-lite on ws-2']),
          release('cloud', 'add-ons', 'revoked', 0),
          release('devices', 'devices', 'unbound', 1, ['laptop-7']),
          release('tokens', 'tokens', 'revoked', 3),
        ],
      }),
      'seats released: cad-pro on ws-1, cad-lite on ws-2; devices unbound: laptop-7; tokens revoked: 3',
    )
  })

  it('names every topic when nothing was held', () => {
    assert.equal(
      describeRemoval({
        releases: [
          release('seats', 'seats', 'released', 0),
          release('cloud', 'add-ons', 'revoked', 0),
          release('tokens', 'tokens', 'revoked', 0),
        ],
      }),
      'no seats, add-ons or tokens held',
    )
    assert.equal(describeRemoval({ releases: [release('tokens', 'tokens', 'revoked', 0)] }), 'no tokens held')
  })
})
