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
  let cursor: string | undefined
  do {
    const page = await method(params, { ...query, limit: Math.min(PAGE_SIZE, max - taken), cursor } as Q)
    for (const item of page.items.slice(0, max - taken)) {
      taken++
      yield item
    }
    cursor = page.nextCursor ?? undefined
  } while (cursor && taken < max)
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
