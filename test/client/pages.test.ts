import { strict as assert } from 'node:assert'
import nock from 'nock'
import { ClientError } from '../../src/client/errors.js'
import { allItems, cursorPages, pages, type Page } from '../../src/client/pages.js'
import { Transport } from '../../src/client/transport.js'

/** A list endpoint over `total` numbered items, pages of at most `limit`; records each query. */
function endpoint(total: number) {
  const queries: Array<{ params: { org: string }; query: Record<string, unknown> }> = []
  const list = async (
    params: { org: string },
    query: { limit?: number; cursor?: string | undefined; role?: string | undefined },
  ): Promise<Page<number>> => {
    queries.push({ params, query })
    const from = Number(query.cursor ?? 0)
    const to = Math.min(total, from + (query.limit ?? 100))
    const items = Array.from({ length: to - from }, (_, i) => from + i)
    return { items, nextCursor: to < total ? String(to) : null }
  }
  return { list, queries }
}

describe('client: one page follower', () => {
  it('follows nextCursor through every page, 1,000 at a time, passing the params and filters on', async () => {
    const { list, queries } = endpoint(2500)
    const items = await allItems(list, { org: 'acme' }, { role: 'admin' })
    assert.equal(items.length, 2500)
    assert.deepEqual(items.slice(998, 1002), [998, 999, 1000, 1001])
    assert.deepEqual(queries, [
      { params: { org: 'acme' }, query: { role: 'admin', limit: 1000, cursor: undefined } },
      { params: { org: 'acme' }, query: { role: 'admin', limit: 1000, cursor: '1000' } },
      { params: { org: 'acme' }, query: { role: 'admin', limit: 1000, cursor: '2000' } },
    ])
  })

  it('with max, stops after that many items and asks for no more than it still needs', async () => {
    const { list, queries } = endpoint(5000)
    const items = await allItems(list, { org: 'acme' }, {}, { max: 1200 })
    assert.equal(items.length, 1200)
    assert.deepEqual(
      queries.map((q) => q.query.limit),
      [1000, 200],
    )
  })

  it('yields items as pages arrive: a consumer that stops early fetches no further page', async () => {
    const { list, queries } = endpoint(3000)
    for await (const item of pages(list, { org: 'acme' }, {})) if (item === 10) break
    assert.equal(queries.length, 1)
  })

  it('an empty list is one request and no items', async () => {
    const { list, queries } = endpoint(0)
    assert.deepEqual(await allItems(list, { org: 'acme' }, {}), [])
    assert.equal(queries.length, 1)
  })
})

describe('client: the page follower refuses a cursor the server gives twice', function () {
  /** A list whose pages answer these cursors in turn (null ends it); records each cursor asked for. */
  function answering(cursors: Array<string | null>) {
    const asked: Array<string | undefined> = []
    const list = async (_params: object, query: { cursor?: string | undefined }): Promise<Page<number>> => {
      asked.push(query.cursor)
      if (asked.length > 10) throw new Error('followed the cursor in a loop')
      return { items: [asked.length], nextCursor: cursors[asked.length - 1] ?? null }
    }
    return { list, asked }
  }

  it('stops with a bad answer when a later page repeats an earlier page’s cursor, before yielding it', async () => {
    const { list, asked } = answering(['a', 'b', 'a'])
    const seen: number[] = []
    await assert.rejects(
      (async () => {
        for await (const item of pages(list, {}, {})) seen.push(item)
      })(),
      (err: unknown) => {
        assert.ok(err instanceof ClientError)
        assert.equal(err.code, 'bad_response')
        assert.equal(
          err.message,
          'the server answered page 3 of a list with a cursor it had already given: following it would never end',
        )
        assert.deepEqual(err.details, { page: 3, cursor: 'a' })
        return true
      },
    )
    assert.deepEqual(asked, [undefined, 'a', 'b'])
    assert.deepEqual(seen, [1, 2])
  })

  it('stops when a page answers the very cursor it was asked with', async () => {
    const { list, asked } = answering(['a', 'a'])
    await assert.rejects(allItems(list, {}, {}), /page 2 of a list with a cursor it had already given/)
    assert.deepEqual(asked, [undefined, 'a'])
  })

  it('cursorPages starts at a given cursor, and counts it as given', async () => {
    const asked: Array<string | undefined> = []
    const fetchPage = async (cursor: string | undefined): Promise<Page<string>> => {
      asked.push(cursor)
      if (asked.length > 10) throw new Error('followed the cursor in a loop')
      return { items: [`after ${cursor}`], nextCursor: cursor === 'c1' ? 'c2' : 'c1' }
    }
    const got: string[][] = []
    await assert.rejects(async () => {
      for await (const page of cursorPages(fetchPage, 'c1')) got.push(page.items)
    }, /page 2 of a list with a cursor it had already given/)
    assert.deepEqual(asked, ['c1', 'c2'])
    assert.deepEqual(got, [['after c1']])
  })

  describe('over HTTP (nock)', function () {
    const BASE = 'http://licenses.test'
    before(() => {
      if (!nock.isActive()) nock.activate()
    })
    after(() => nock.restore())
    beforeEach(() => nock.disableNetConnect())
    afterEach(() => {
      nock.cleanAll()
      nock.enableNetConnect()
    })

    it('follows nextCursor through the transport and stops at a repeated one', async () => {
      const scope = nock(BASE)
        .get('/v1/things')
        .query({ limit: '2' })
        .reply(200, { items: [1, 2], nextCursor: 'p2' })
        .get('/v1/things')
        .query({ limit: '2', cursor: 'p2' })
        .reply(200, { items: [3, 4], nextCursor: 'p3' })
        .get('/v1/things')
        .query({ limit: '2', cursor: 'p3' })
        .reply(200, { items: [5], nextCursor: 'p2' })
      const transport = new Transport({ baseUrl: BASE, token: 'lic_u_test' })
      const items: number[] = []
      try {
        await assert.rejects(async () => {
          const fetchPage = (cursor: string | undefined) =>
            transport.request('GET', '/v1/things', { query: { limit: 2, cursor } }) as Promise<Page<number>>
          for await (const page of cursorPages(fetchPage)) items.push(...page.items)
        }, /page 3 of a list with a cursor it had already given/)
      } finally {
        await transport.close()
      }
      assert.deepEqual(items, [1, 2, 3, 4])
      assert.ok(scope.isDone())
    })
  })
})
