import type { EndpointSpec, Endpoints } from '../contract/endpoint.js'
import type * as Activations from '../contract/activations.js'
import type * as Cloud from '../contract/cloud.js'
import type * as Devices from '../contract/devices.js'
import type * as Expiry from '../contract/expiry.js'
import type * as Explain from '../contract/explain.js'
import type * as Meta from '../contract/meta.js'
import type * as Orgs from '../contract/orgs.js'
import type * as Tokens from '../contract/tokens.js'
import type * as Users from '../contract/users.js'
import type * as Seats from '../contract/seats.js'
import { resourceOf, type Resource } from './resource.js'
import { Transport, UnconnectedTransport, type TransportOptions } from './transport.js'

export { newIdempotencyKey, Transport, type TransportOptions } from './transport.js'
export type { BulkCall } from './resource.js'
export * from './errors.js'

// A topic's contract (its zod schemas, built when the module is evaluated) is imported the first time
// one of its endpoints is called: a command pays for the topics it calls, not for all of them
// (issue 12). Every endpoint method answers a promise, so the resources stay plain properties, and
// a bundler can split each contract into its own chunk.
/** A topic's client, typed from its endpoint table. */
type ResourceOf<E> = E extends Endpoints<infer T extends Record<string, EndpointSpec>> ? Resource<T> : never
const contract = {
  activations: () => import('../contract/activations.js') as Promise<typeof Activations>,
  cloud: () => import('../contract/cloud.js') as Promise<typeof Cloud>,
  devices: () => import('../contract/devices.js') as Promise<typeof Devices>,
  expiry: () => import('../contract/expiry.js') as Promise<typeof Expiry>,
  explain: () => import('../contract/explain.js') as Promise<typeof Explain>,
  meta: () => import('../contract/meta.js') as Promise<typeof Meta>,
  orgs: () => import('../contract/orgs.js') as Promise<typeof Orgs>,
  tokens: () => import('../contract/tokens.js') as Promise<typeof Tokens>,
  users: () => import('../contract/users.js') as Promise<typeof Users>,
  seats: () => import('../contract/seats.js') as Promise<typeof Seats>,
}

/**
 * A topic's client before its contract is loaded: each method imports the contract on its first
 * call, then calls the method derived from the endpoint table (`resourceOf`).
 */
function lazyResource<M, T extends Record<string, EndpointSpec>>(
  load: () => Promise<M>,
  table: (m: M) => Endpoints<T>,
  transport: Transport,
): Resource<T> {
  let resource: Promise<Record<string, (...args: unknown[]) => Promise<unknown>>> | undefined
  const methods = new Map<string, (...args: unknown[]) => Promise<unknown>>()
  return new Proxy({} as Resource<T>, {
    get(_, name) {
      // Not a thenable, not inspected as one of its methods: a resource is no promise.
      if (typeof name !== 'string' || name === 'then') return undefined
      let method = methods.get(name)
      if (method === undefined) {
        method = async (...args) => {
          resource ??= load().then((m) => resourceOf(table(m), transport) as never)
          const call = (await resource)[name]
          if (call === undefined) throw new TypeError(`no such endpoint: ${name}`)
          return call(...args)
        }
        methods.set(name, method)
      }
      return method
    },
  })
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
    return this.resource('meta', () => lazyResource(contract.meta, (m) => m.metaEndpoints, this.transport))
  }
  get orgs(): ResourceOf<typeof Orgs.orgsEndpoints> {
    return this.resource('orgs', () => lazyResource(contract.orgs, (m) => m.orgsEndpoints, this.transport))
  }
  get users(): ResourceOf<typeof Users.usersEndpoints> {
    return this.resource('users', () => lazyResource(contract.users, (m) => m.usersEndpoints, this.transport))
  }
  get tokens(): ResourceOf<typeof Tokens.tokensEndpoints> {
    return this.resource('tokens', () =>
      lazyResource(contract.tokens, (m) => m.tokensEndpoints, this.transport),
    )
  }
  get cloud(): ResourceOf<typeof Cloud.cloudEndpoints> {
    return this.resource('cloud', () => lazyResource(contract.cloud, (m) => m.cloudEndpoints, this.transport))
  }
  get seats(): ResourceOf<typeof Seats.seatsEndpoints> {
    return this.resource('seats', () => lazyResource(contract.seats, (m) => m.seatsEndpoints, this.transport))
  }
  get activations(): ResourceOf<typeof Activations.activationEndpoints> {
    return this.resource('activations', () =>
      lazyResource(contract.activations, (m) => m.activationEndpoints, this.transport),
    )
  }
  get devices(): ResourceOf<typeof Devices.devicesEndpoints> {
    return this.resource('devices', () =>
      lazyResource(contract.devices, (m) => m.devicesEndpoints, this.transport),
    )
  }
  get expiry(): ResourceOf<typeof Expiry.expiryEndpoints> {
    return this.resource('expiry', () =>
      lazyResource(contract.expiry, (m) => m.expiryEndpoints, this.transport),
    )
  }
  get explain(): ResourceOf<typeof Explain.explainEndpoints> {
    return this.resource('explain', () =>
      lazyResource(contract.explain, (m) => m.explainEndpoints, this.transport),
    )
  }

  static create(opts: TransportOptions): LicctlClient {
    return new LicctlClient(new Transport(opts))
  }

  /**
   * A client with no server to talk to: each call checks its input as usual (a refusal names the
   * field), then fails with `reason` instead of sending anything.
   */
  static unconnected(reason: Error): LicctlClient {
    return new LicctlClient(new UnconnectedTransport(reason))
  }

  close(): Promise<void> {
    return this.transport.close()
  }
}
