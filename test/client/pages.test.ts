import { strict as assert } from 'node:assert'
import { allItems, pages, type Page } from '../../src/client/pages.js'

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
