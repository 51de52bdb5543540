import { ClientError } from './errors.js'

/** One page of a cursor-paged list, as every list endpoint answers. */
export interface Page<T> {
  items: T[]
  nextCursor: string | null
}

/** The query of a list endpoint: its filters, plus `limit` and `cursor`, which `pages` sets. */
interface PageQuery {
  limit?: number
  cursor?: string | undefined
}

/** The API's largest page. */
const PAGE_SIZE = 1000

/**
 * The one page follower: every page of a cursor-paged list, starting at `first` (none: the list's
 * first page), each fetched by `fetchPage(cursor)` when the consumer asks for it, until a page has
 * no `nextCursor`. A server that answers a cursor it gave before (or the one asked for) would be
 * followed forever: that page is refused as a bad answer instead, before it is yielded.
 */
export async function* cursorPages<T>(
  fetchPage: (cursor: string | undefined) => Promise<Page<T>>,
  first?: string,
): AsyncGenerator<Page<T>> {
  const seen = new Set<string>()
  let cursor = first || undefined
  for (let n = 1; ; n++) {
    if (cursor !== undefined) seen.add(cursor)
    const page = await fetchPage(cursor)
    const next = page.nextCursor || undefined
    if (next !== undefined && seen.has(next))
      throw new ClientError(
        `the server answered page ${n} of a list with a cursor it had already given: following it would never end`,
        { code: 'bad_response', details: { page: n, cursor: next } },
      )
    yield page
    if (next === undefined) return
    cursor = next
  }
}

/**
 * Every item of a cursor-paged list endpoint, page after page (1,000 a page, the API's largest),
 * as the pages arrive: `for await (const m of pages(client.users.list, { org }, { role }))`.
 * With `max`, stops after that many items and asks for no more than it needs.
 */
export async function* pages<P, Q extends PageQuery, T>(
  method: (params: P, query: Q) => Promise<Page<T>>,
  params: P,
  query: Omit<Q, keyof PageQuery>,
  opts: { max?: number } = {},
): AsyncGenerator<T> {
  const max = opts.max ?? Infinity
  let taken = 0
  const fetchPage = (cursor: string | undefined) =>
    method(params, { ...query, limit: Math.min(PAGE_SIZE, max - taken), cursor } as Q)
  for await (const page of cursorPages(fetchPage)) {
    for (const item of page.items.slice(0, max - taken)) {
      taken++
      yield item
    }
    if (taken >= max) return
  }
}

/** Every item of a list endpoint in one array (see `pages`). */
export async function allItems<P, Q extends PageQuery, T>(
  method: (params: P, query: Q) => Promise<Page<T>>,
  params: P,
  query: Omit<Q, keyof PageQuery>,
  opts: { max?: number } = {},
): Promise<T[]> {
  const items: T[] = []
  for await (const item of pages(method, params, query, opts)) items.push(item)
  return items
}
