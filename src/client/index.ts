import { CloudResource } from './resources/cloud.js'
import { devicesResource, type DevicesResource } from './resources/devices.js'
import { MetaResource, OrgsResource, TokensResource, UsersResource } from './resources/orgs.js'
import { SeatsResource } from './resources/seats.js'
import { Transport, type TransportOptions } from './transport.js'

export { Transport, type TransportOptions } from './transport.js'
export * from './errors.js'

/** The typed licctl API client: one resource per topic over one transport. */
export class LicctlClient {
  readonly meta: MetaResource
  readonly orgs: OrgsResource
  readonly users: UsersResource
  readonly tokens: TokensResource
  readonly cloud: CloudResource
  readonly seats: SeatsResource
  readonly devices: DevicesResource

  constructor(readonly transport: Transport) {
    this.meta = new MetaResource(transport)
    this.orgs = new OrgsResource(transport)
    this.users = new UsersResource(transport)
    this.tokens = new TokensResource(transport)
    this.cloud = new CloudResource(transport)
    this.seats = new SeatsResource(transport)
    this.devices = devicesResource(transport)
  }

  static create(opts: TransportOptions): LicctlClient {
    return new LicctlClient(new Transport(opts))
  }

  close(): Promise<void> {
    return this.transport.close()
  }
}

/** Follows nextCursor through every page. */
export async function* allPages<T>(
  fetchPage: (cursor: string | undefined) => Promise<{ items: T[]; nextCursor: string | null }>,
): AsyncGenerator<T> {
  let cursor: string | undefined
  do {
    const res = await fetchPage(cursor)
    yield* res.items
    cursor = res.nextCursor ?? undefined
  } while (cursor)
}
