import { strict as assert } from 'node:assert'
import { describeRemoval, removalQuestion } from '../../src/commands/orgs/users/remove.js'

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

describe('orgs users remove: the question on a terminal names what would be released', () => {
  const planned = (target: string, ...releases: ReturnType<typeof release>[]) => ({
    target,
    details: { email: target, releases },
  })

  it('one member: each thing the server’s dry run would release, by name', () => {
    assert.equal(
      removalQuestion('acme', [
        planned(
          'carol@acme.test',
          release('seats', 'seats', 'released', 1, ['cad-pro on ws-carol']),
          release('cloud', 'add-ons', 'revoked', 1, ['cloud-processing']),
          release('tokens', 'tokens', 'revoked', 2),
        ),
      ]),
      'Remove carol@acme.test from acme (seats released: cad-pro on ws-carol; add-ons revoked: cloud-processing; tokens revoked: 2)?',
    )
    assert.equal(
      removalQuestion('acme', [planned('dan@acme.test', release('seats', 'seats', 'released', 0))]),
      'Remove dan@acme.test from acme (no seats held)?',
    )
  })

  it('several members: counted per topic, topics in the server’s order', () => {
    assert.equal(
      removalQuestion('acme', [
        planned(
          'bob@acme.test',
          release('seats', 'seats', 'released', 2, ['cad on ws-1', 'cam on ws-1']),
          release('cloud', 'add-ons', 'revoked', 0),
          release('tokens', 'tokens', 'revoked', 1),
        ),
        planned(
          'carol@acme.test',
          release('seats', 'seats', 'released', 1, ['cad on ws-2']),
          release('cloud', 'add-ons', 'revoked', 0),
          release('tokens', 'tokens', 'revoked', 0),
        ),
      ]),
      'Remove 2 members from acme (seats released: 3; tokens revoked: 1)?',
    )
  })
})
