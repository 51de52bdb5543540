import { connect, createServer, type Server, type Socket } from 'node:net'

/**
 * A plain TCP relay on 127.0.0.1 in front of a database, that a test can cut (every connection
 * dropped, new ones refused: the database is "down") and restore on the same port, without
 * touching the database itself (other test runs share it).
 */
export class TcpProxy {
  port = 0
  private server: Server | undefined
  private readonly sockets = new Set<Socket>()

  private constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  static async start(targetHost: string, targetPort: number): Promise<TcpProxy> {
    const proxy = new TcpProxy(targetHost, targetPort)
    await proxy.listen()
    return proxy
  }

  private async listen(): Promise<void> {
    const server = createServer((client) => {
      const upstream = connect(this.targetPort, this.targetHost)
      for (const s of [client, upstream]) {
        this.sockets.add(s)
        s.on('close', () => this.sockets.delete(s))
        s.on('error', () => {})
      }
      client.pipe(upstream)
      upstream.pipe(client)
      client.on('close', () => upstream.destroy())
      upstream.on('close', () => client.destroy())
    })
    await new Promise<void>((ok, fail) => {
      server.once('error', fail)
      server.listen(this.port, '127.0.0.1', () => ok())
    })
    const address = server.address()
    if (!address || typeof address === 'string') throw new Error('proxy has no port')
    this.port = address.port
    this.server = server
  }

  /** The database goes away: open connections are reset, new ones refused. */
  async cut(): Promise<void> {
    const server = this.server
    this.server = undefined
    for (const s of this.sockets) s.resetAndDestroy()
    this.sockets.clear()
    if (server) await new Promise<void>((ok) => server.close(() => ok()))
  }

  /** The database is back, on the same address. */
  async restore(): Promise<void> {
    if (!this.server) await this.listen()
  }

  async close(): Promise<void> {
    await this.cut()
  }
}
