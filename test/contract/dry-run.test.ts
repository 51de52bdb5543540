import { strict as assert } from 'node:assert'
import { activationEndpoints } from '../../src/contract/activations.js'
import { cloudEndpoints } from '../../src/contract/cloud.js'
import { devicesEndpoints } from '../../src/contract/devices.js'
import { endpointList, type Endpoint } from '../../src/contract/endpoint.js'
import { expiryEndpoints } from '../../src/contract/expiry.js'
import { explainEndpoints } from '../../src/contract/explain.js'
import { metaEndpoints } from '../../src/contract/meta.js'
import { orgsEndpoints } from '../../src/contract/orgs.js'
import { seatsEndpoints } from '../../src/contract/seats.js'
import { tokensEndpoints } from '../../src/contract/tokens.js'
import { usersEndpoints } from '../../src/contract/users.js'

describe('contract: dry runs', () => {
  const endpoints: Endpoint[] = [
    activationEndpoints,
    cloudEndpoints,
    devicesEndpoints,
    expiryEndpoints,
    explainEndpoints,
    metaEndpoints,
    orgsEndpoints,
    seatsEndpoints,
    tokensEndpoints,
    usersEndpoints,
  ].flatMap((table) => endpointList(table))

  it('declares every mutation whose body takes dryRun as one that takes a dry run, and no other', () => {
    // Declared, the route lets a read-only token send the dry run (a plan changes nothing); a body
    // field the table did not declare would refuse that token its plan.
    const bodyTakes = (e: Endpoint) =>
      'dryRun' in ((e.bodySchema as { shape?: Record<string, unknown> } | undefined)?.shape ?? {})
    const declared = (e: Endpoint) => e.bulk !== undefined || e.dryRun === true
    assert.deepEqual(
      endpoints
        .filter((e) => bodyTakes(e) !== declared(e) || (declared(e) && !e.mutation))
        .map((e) => e.operationId),
      [],
    )
    assert.deepEqual(
      endpoints.filter((e) => declared(e) && e.bulk === undefined).map((e) => e.operationId),
      ['activations.resize'],
    )
  })
})
