import { createServer, connect, type Server, type Socket } from 'node:net'

/**
 * A TCP proxy on 127.0.0.1 in front of the license server that misbehaves on purpose: it can delay
 * every response (to make a job slow enough to interrupt), and cut the connection instead of
 * delivering the answer to chosen bulk requests, or keep it open and say nothing (the server has
 * applied and answered them; the client never hears back).
 */
export class FaultProxy {
  url = ''
  /** Bulk requests (bulk-assign, bulk-revoke, …) seen so far, retries included. */
  bulkRequests = 0
  /** Numbers (1-based, in arrival order) of the bulk requests whose answer is cut off. */
  readonly cutAnswerOf = new Set<number>()
  /**
   * Numbers of the bulk requests whose answer is never passed on, the connection left open: a
   * server gone silent mid-request (the server has applied and answered them).
   */
  readonly silentAnswerOf = new Set<number>()
  /** Chunks of answers kept back so far (silentAnswerOf). */
  silenced = 0
  /** Delay before each chunk from the server is passed on. */
  delayMs = 0
  private server: Server | undefined
  private readonly sockets = new Set<Socket>()

  private constructor(private readonly target: URL) {}

  static async start(target: string): Promise<FaultProxy> {
    const proxy = new FaultProxy(new URL(target))
    proxy.server = createServer((client) => proxy.relay(client))
    await new Promise<void>((ok) => proxy.server!.listen(0, '127.0.0.1', ok))
    const address = proxy.server.address()
    if (!address || typeof address === 'string') throw new Error('proxy has no port')
    proxy.url = `http://127.0.0.1:${address.port}`
    return proxy
  }

  private relay(client: Socket): void {
    const upstream = connect(Number(this.target.port), this.target.hostname)
    for (const s of [client, upstream]) {
      this.sockets.add(s)
      s.on('close', () => this.sockets.delete(s))
      s.on('error', () => {})
    }
    // Requests on one keep-alive connection are sequential: the answer coming back belongs to the
    // last request sent.
    let current = 0
    let answering = false
    client.on('data', (chunk: Buffer) => {
      if (/^POST \S*\/bulk-\w+ HTTP/.test(chunk.toString('latin1', 0, 200))) {
        current = ++this.bulkRequests
        answering = false
      }
      upstream.write(chunk)
    })
    let queue = Promise.resolve()
    upstream.on('data', (chunk: Buffer) => {
      if (!answering && this.cutAnswerOf.has(current)) {
        client.destroy()
        upstream.destroy()
        return
      }
      if (this.silentAnswerOf.has(current)) {
        this.silenced++
        return
      }
      answering = true
      queue = queue.then(async () => {
        if (this.delayMs > 0) await new Promise((r) => setTimeout(r, this.delayMs))
        if (!client.destroyed) client.write(chunk)
      })
    })
    client.on('end', () => upstream.end())
    upstream.on('end', () => void queue.then(() => client.end()))
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy()
    await new Promise<void>((ok) => this.server?.close(() => ok()))
  }
}
