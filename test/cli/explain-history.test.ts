import { strict as assert } from 'node:assert'
import { historyLine } from '../../src/commands/explain.js'

describe('explain: a "Last changes" line', () => {
  const entry = {
    id: 'a1',
    at: '2026-01-15T10:00:00.000Z',
    actor: 'alice@acme.test',
    target: 'cad',
    requestId: null,
    jobId: null,
    seq: 1,
    hash: 'h',
  }

  it('shows before → after when both are there', () => {
    const line = historyLine({ ...entry, action: 'seats.update', before: { seats: 5 }, after: { seats: 7 } })
    assert.match(line, / {2}seats\.update cad {2}\{"seats":5\} → \{"seats":7\}$/)
  })

  it('shows a creation as what it created, not as {} → after', () => {
    const line = historyLine({ ...entry, action: 'seats.provision', before: null, after: { seats: 5 } })
    assert.match(line, / {2}seats\.provision cad {2}\{"seats":5\}$/)
  })

  it('shows a removal as what it removed, and nothing for an entry with neither', () => {
    assert.match(
      historyLine({ ...entry, action: 'cloud.revoke', before: { assigned: 1 }, after: null }),
      / {2}cloud\.revoke cad {2}\{"assigned":1\}$/,
    )
    assert.match(
      historyLine({ ...entry, action: 'orgs.update', before: null, after: null }),
      /orgs\.update cad$/,
    )
  })
})
