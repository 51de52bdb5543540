import { createRequire } from 'node:module'
import type { EndpointSpec, Endpoints } from '../contract/endpoint.js'
import type * as Activations from '../contract/activations.js'
import type * as Cloud from '../contract/cloud.js'
import type * as Devices from '../contract/devices.js'
import type * as Expiry from '../contract/expiry.js'
import type * as Explain from '../contract/explain.js'
import type * as Meta from '../contract/meta.js'
import type * as Orgs from '../contract/orgs.js'
import type * as Seats from '../contract/seats.js'
import { resourceOf, type Resource } from './resource.js'
import { Transport, type TransportOptions } from './transport.js'

export { Transport, type TransportOptions } from './transport.js'
export type { BulkCall } from './resource.js'
export * from './errors.js'

// A topic's contract (its zod schemas, built when the module is evaluated) is loaded the first time
// its resource is used: a command pays for the topics it calls, not for all of them (issue 12).
// `require` of an ES module is synchronous (Node ≥ 22.12), so the resources stay plain properties.
const require = createRequire(import.meta.url)
/** A topic's client, typed from its endpoint table. */
type ResourceOf<E> = E extends Endpoints<infer T extends Record<string, EndpointSpec>> ? Resource<T> : never
const contract = {
  activations: () => require('../contract/activations.js') as typeof Activations,
  cloud: () => require('../contract/cloud.js') as typeof Cloud,
  devices: () => require('../contract/devices.js') as typeof Devices,
  expiry: () => require('../contract/expiry.js') as typeof Expiry,
  explain: () => require('../contract/explain.js') as typeof Explain,
  meta: () => require('../contract/meta.js') as typeof Meta,
  orgs: () => require('../contract/orgs.js') as typeof Orgs,
  seats: () => require('../contract/seats.js') as typeof Seats,
}

/** The typed licctl API client: one resource per topic, each derived from its endpoint table. */
export class LicctlClient {
  private readonly resources = new Map<string, unknown>()

  constructor(readonly transport: Transport) {}

  private resource<R>(name: string, make: () => R): R {
    let r = this.resources.get(name) as R | undefined
    if (r === undefined) this.resources.set(name, (r = make()))
    return r
  }

  get meta(): ResourceOf<typeof Meta.metaEndpoints> {
    return this.resource('meta', () => resourceOf(contract.meta().metaEndpoints, this.transport))
  }
  get orgs(): ResourceOf<typeof Orgs.orgsEndpoints> {
    return this.resource('orgs', () => resourceOf(contract.orgs().orgsEndpoints, this.transport))
  }
  get users(): ResourceOf<typeof Orgs.usersEndpoints> {
    return this.resource('users', () => resourceOf(contract.orgs().usersEndpoints, this.transport))
  }
  get tokens(): ResourceOf<typeof Orgs.tokensEndpoints> {
    return this.resource('tokens', () => resourceOf(contract.orgs().tokensEndpoints, this.transport))
  }
  get cloud(): ResourceOf<typeof Cloud.cloudEndpoints> {
    return this.resource('cloud', () => resourceOf(contract.cloud().cloudEndpoints, this.transport))
  }
  get seats(): ResourceOf<typeof Seats.seatsEndpoints> {
    return this.resource('seats', () => resourceOf(contract.seats().seatsEndpoints, this.transport))
  }
  get activations(): ResourceOf<typeof Activations.activationEndpoints> {
    return this.resource('activations', () =>
      resourceOf(contract.activations().activationEndpoints, this.transport),
    )
  }
  get devices(): ResourceOf<typeof Devices.devicesEndpoints> {
    return this.resource('devices', () => resourceOf(contract.devices().devicesEndpoints, this.transport))
  }
  get expiry(): ResourceOf<typeof Expiry.expiryEndpoints> {
    return this.resource('expiry', () => resourceOf(contract.expiry().expiryEndpoints, this.transport))
  }
  get explain(): ResourceOf<typeof Explain.explainEndpoints> {
    return this.resource('explain', () => resourceOf(contract.explain().explainEndpoints, this.transport))
  }

  static create(opts: TransportOptions): LicctlClient {
    return new LicctlClient(new Transport(opts))
  }

  close(): Promise<void> {
    return this.transport.close()
  }
}
