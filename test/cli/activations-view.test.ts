import { strict as assert } from 'node:assert'
import { renderPlan } from '../../src/cli/activations-view.js'

describe('activations resize plan in words', function () {
  it('one seat in the singular: never "1 seats"', () => {
    const plan = {
      id: 'act_1',
      product: 'cad',
      from: 2,
      to: 1,
      hosts: [],
      entitlementFree: 0,
      steps: [
        { action: 'deactivate' as const, id: 'act_1', host: 'ws-1', seats: 1 },
        { action: 'return' as const, id: 'act_1', seats: 1 },
        { action: 'generate' as const, product: 'cad', quantity: 1 },
      ],
    }
    assert.equal(
      renderPlan(plan),
      [
        'Resize act_1 (cad) from 2 to 1 seat, in this order:',
        '  1. deactivate on ws-1 (1 seat): licctl activations deactivate act_1 --host ws-1',
        '  2. return act_1 on the portal (1 seat back to the entitlement)',
        '  3. generate a new ID of 1 seat of cad',
      ].join('\n'),
    )
  })
})
