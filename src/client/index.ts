import { activationEndpoints } from '../contract/activations.js'
import { cloudEndpoints } from '../contract/cloud.js'
import { devicesEndpoints } from '../contract/devices.js'
import { expiryEndpoints } from '../contract/expiry.js'
import { explainEndpoints } from '../contract/explain.js'
import { metaEndpoints } from '../contract/meta.js'
import { orgsEndpoints, tokensEndpoints, usersEndpoints } from '../contract/orgs.js'
import { seatsEndpoints } from '../contract/seats.js'
import { resourceOf } from './resource.js'
import { Transport, type TransportOptions } from './transport.js'

export { Transport, type TransportOptions } from './transport.js'
export type { BulkCall } from './resource.js'
export * from './errors.js'

/** The typed licctl API client: one resource per topic, each derived from its endpoint table. */
export class LicctlClient {
  readonly meta
  readonly orgs
  readonly users
  readonly tokens
  readonly cloud
  readonly seats
  readonly activations
  readonly devices
  readonly expiry
  readonly explain

  constructor(readonly transport: Transport) {
    this.meta = resourceOf(metaEndpoints, transport)
    this.orgs = resourceOf(orgsEndpoints, transport)
    this.users = resourceOf(usersEndpoints, transport)
    this.tokens = resourceOf(tokensEndpoints, transport)
    this.cloud = resourceOf(cloudEndpoints, transport)
    this.seats = resourceOf(seatsEndpoints, transport)
    this.activations = resourceOf(activationEndpoints, transport)
    this.devices = resourceOf(devicesEndpoints, transport)
    this.expiry = resourceOf(expiryEndpoints, transport)
    this.explain = resourceOf(explainEndpoints, transport)
  }

  static create(opts: TransportOptions): LicctlClient {
    return new LicctlClient(new Transport(opts))
  }

  close(): Promise<void> {
    return this.transport.close()
  }
}
