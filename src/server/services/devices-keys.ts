import { randomBytes } from 'node:crypto'
import type {
  AddCategoryBody,
  AddKeyBody,
  Category,
  DeviceKey,
  IssuedKeys,
  IssueKeysBody,
  Pool,
  PoolLicense,
  RetiredKey,
  RetireKeyBody,
} from '../../contract/devices.js'
import { inAnyCase } from '../../domain/any-case.js'
import { toIso, toIsoOrNull } from '../../domain/clock.js'
import { TERM_DAYS } from '../../domain/device-days.js'
import { newId } from '../../domain/ids.js'
import { lastValidDay } from '../../domain/dates.js'
import { checkKey, issueKey, keyOrSerial, verifyKeyTag } from '../../domain/license-key.js'
import { quote } from '../../domain/terminal-controls.js'
import { byteOrder, naturalOrder } from '../../domain/text-order.js'
import type { Database } from '../../storage/schema.js'
import type { Executor, ServiceContext } from '../context.js'
import { actorName } from '../context.js'
import { AppError, notFound } from '../errors.js'
import { inTransaction } from '../transaction.js'
import { authorizeOrg, requireOperator, type OrgRow } from './access.js'
import { audit } from './audit.js'
import { validUntil } from './expiry.js'

type CategoryRow = Database['device_categories']
type LicenseRow = Database['device_licenses']

/**
 * Failed key additions a token may make within any KEY_FAILURE_WINDOW_MS (a sliding window) before it
 * is refused (`rate_limited`).
 */
export const KEY_FAILURES_PER_WINDOW = 10
export const KEY_FAILURE_WINDOW_MS = 15 * 60_000

const presentCategory = (r: CategoryRow): Category => ({
  name: r.name,
  description: r.description,
  // A row stored before models were deduplicated in any case may list one twice: shown once.
  models: distinctModels(JSON.parse(r.models) as string[]),
  createdAt: toIso(r.created_at),
})

export async function findCategory(db: Executor, name: string): Promise<CategoryRow> {
  const row = await db.selectFrom('device_categories').selectAll().where('name', '=', name).executeTakeFirst()
  if (!row) throw notFound(`device category ${quote(name)} not found`)
  return row
}

/** The server's issuing secret (made by the devices migration). Never logged, never sent. */
export async function issuingSecret(db: Executor): Promise<string> {
  const row = await db
    .selectFrom('meta')
    .select('value')
    .where('key', '=', 'device_key_secret')
    .executeTakeFirst()
  if (!row) throw new Error('the device key issuing secret is missing: run `licctl server migrate`')
  return row.value
}

/** The operator adds a device category with the models it covers. */
export async function addCategory(ctx: ServiceContext, body: AddCategoryBody): Promise<Category> {
  requireOperator(ctx)
  const now = ctx.clock.now()
  return inTransaction(ctx, async (trx) => {
    const taken = await trx
      .selectFrom('device_categories')
      .select('id')
      .where('name', '=', body.name)
      .executeTakeFirst()
    if (taken) throw new AppError('already_exists', `device category '${body.name}' already exists`)
    const models = distinctModels(body.models ?? [])
    const clash = await modelsTaken(trx, models)
    if (clash)
      throw new AppError(
        'already_exists',
        `model '${clash.model}' is already in category '${clash.category}'`,
      )
    const row: CategoryRow = {
      id: newId('dc', now),
      name: body.name,
      description: body.description ?? null,
      models: JSON.stringify(models),
      created_at: now,
    }
    await trx.insertInto('device_categories').values(row).execute()
    await audit(trx, ctx, {
      orgId: null,
      action: 'devices.categories.add',
      target: row.name,
      after: { models, description: row.description },
    })
    return presentCategory(row)
  })
}

/**
 * A model as a category spells it, when the category covers it: models are matched in any case
 * (`s-4` is the `S-4` the operator listed), and stored as the category spells them.
 */
export function coveredModel(models: readonly string[], model: string): string | undefined {
  return inAnyCase(models, model)
}

/**
 * Each model once, matched in any case as `coveredModel` matches them (`R-1000`, `r-1000` are one
 * model), kept as first spelled and in the order given.
 */
export function distinctModels(models: readonly string[]): string[] {
  const seen = new Set<string>()
  return models.filter((m) => {
    const folded = m.toLowerCase()
    if (seen.has(folded)) return false
    seen.add(folded)
    return true
  })
}

async function modelsTaken(db: Executor, models: string[]) {
  if (models.length === 0) return undefined
  for (const c of await db.selectFrom('device_categories').select(['name', 'models']).execute()) {
    const theirs = JSON.parse(c.models) as string[]
    const model = models.find((m) => coveredModel(theirs, m) !== undefined)
    if (model) return { model, category: c.name }
  }
  return undefined
}

/** The category that covers a model. */
export async function categoryOfModel(db: Executor, model: string): Promise<CategoryRow> {
  for (const c of await db.selectFrom('device_categories').selectAll().execute())
    if (coveredModel(JSON.parse(c.models) as string[], model) !== undefined) return c
  throw notFound(`no device category covers model ${quote(model)}`)
}

/** Every category (any authenticated caller may read them). */
export async function listCategories(ctx: ServiceContext): Promise<{ items: Category[] }> {
  const rows = await ctx.db.selectFrom('device_categories').selectAll().orderBy('name').execute()
  return { items: rows.map(presentCategory) }
}

/** The operator issues keys; each is printed once (only its serial is stored, the tag is recomputed). */
export async function issueKeys(ctx: ServiceContext, body: IssueKeysBody): Promise<IssuedKeys> {
  requireOperator(ctx)
  const now = ctx.clock.now()
  // The one validity rule (services/expiry.ts); keys belong to no organization yet, so dates are UTC.
  const expiresAt =
    body.expires === undefined
      ? null
      : validUntil(
          body.expires,
          { time_zone: 'UTC' },
          { now, future: "the key's licenses could never be assigned" },
        )
  return inTransaction(ctx, async (trx) => {
    const cat = await findCategory(trx, body.category)
    const secret = await issuingSecret(trx)
    const termDays = TERM_DAYS[body.term]
    const keys: IssuedKeys['keys'] = []
    for (let i = 0; i < (body.quantity ?? 1); i++) {
      const { key, serial } = issueKey(secret)
      await trx
        .insertInto('device_keys')
        .values({
          id: newId('dk', now),
          serial,
          category_id: cat.id,
          term: body.term,
          term_days: termDays,
          license_count: body.count,
          org_id: null,
          added_by: null,
          added_at: null,
          expires_at: expiresAt,
          issued_at: now,
        })
        .execute()
      keys.push({
        key,
        serial,
        category: cat.name,
        term: body.term,
        termDays,
        count: body.count,
        expiresAt: toIsoOrNull(expiresAt),
      })
    }
    await audit(trx, ctx, {
      orgId: null,
      action: 'devices.keys.issue',
      target: cat.name,
      after: { term: body.term, count: body.count, keys: keys.map((k) => k.serial) },
    })
    return { keys }
  })
}

/**
 * This token's failed key additions within the sliding window that ends now, oldest first: one row
 * per instant a failure happened (`window_start` holds that instant), so a burst straddling a clock
 * boundary counts whole. Rows of the fixed windows before count from their window's start.
 */
async function recentFailures(
  db: Executor,
  tokenId: string,
  now: number,
): Promise<Array<{ at: number; failures: number }>> {
  const rows = await db
    .selectFrom('device_key_failures')
    .select(['window_start', 'failures'])
    .where('token_id', '=', tokenId)
    .where('window_start', '>', now - KEY_FAILURE_WINDOW_MS)
    .orderBy('window_start')
    .execute()
  return rows.map((r) => ({ at: Number(r.window_start), failures: r.failures }))
}

/**
 * When the token may try again: once enough of its recent failures (oldest first) have left the
 * window that the rest are under the limit.
 */
function retryTime(recent: Array<{ at: number; failures: number }>, now: number): number {
  let left = recent.reduce((n, r) => n + r.failures, 0)
  for (const r of recent) {
    left -= r.failures
    if (left < KEY_FAILURES_PER_WINDOW) return r.at + KEY_FAILURE_WINDOW_MS
  }
  return now
}

/**
 * Counts a failed key addition at `now`, in its own statement (the request itself fails and rolls
 * back), and forgets this token's failures that have left the window.
 */
async function recordFailure(db: Executor, tokenId: string, now: number): Promise<void> {
  await db
    .deleteFrom('device_key_failures')
    .where('token_id', '=', tokenId)
    .where('window_start', '<=', now - KEY_FAILURE_WINDOW_MS)
    .execute()
  await db
    .insertInto('device_key_failures')
    .values({ token_id: tokenId, window_start: now, failures: 1 })
    .onConflict((oc) =>
      oc
        .columns(['token_id', 'window_start'])
        .doUpdateSet((eb) => ({ failures: eb('device_key_failures.failures', '+', 1) })),
    )
    .execute()
}

/**
 * An admin adds a key to the organization, with the license terms accepted. The server checks the
 * check symbols again, verifies the tag with its issuing secret and refuses a key added before (by
 * this or any organization). Failed additions count per token: past KEY_FAILURES_PER_WINDOW within
 * the last 15 minutes the token is refused (`rate_limited`) before any check, so the tag cannot be guessed online.
 */
export async function addKey(ctx: ServiceContext, slug: string, body: AddKeyBody): Promise<DeviceKey> {
  const org = await authorizeOrg(ctx, slug, { role: 'admin', write: true })
  if (body.acceptTerms !== true)
    throw new AppError(
      'terms_not_accepted',
      'adding a license key needs the license terms accepted (--accept-terms)',
    )
  const now = ctx.clock.now()
  const tokenId = ctx.principal.tokenId
  const recent = await recentFailures(ctx.db, tokenId, now)
  if (recent.reduce((n, r) => n + r.failures, 0) >= KEY_FAILURES_PER_WINDOW) {
    const until = retryTime(recent, now)
    const retryAfterSeconds = Math.max(1, Math.ceil((until - now) / 1000))
    throw new AppError(
      'rate_limited',
      `too many failed key additions with this token; try again after ${toIso(until)}`,
      { retryAfterSeconds },
    )
  }
  const fail = async (err: AppError): Promise<never> => {
    await recordFailure(ctx.db, tokenId, now)
    throw err
  }
  const checked = checkKey(body.key)
  if (!checked.ok) return fail(new AppError('invalid_key', `not a valid license key: ${checked.message}`))
  const secret = await issuingSecret(ctx.db)
  if (!verifyKeyTag(secret, checked.key))
    return fail(
      new AppError('invalid_key', 'this license key was not issued by this server (forged or altered)'),
    )
  const key = await ctx.db
    .selectFrom('device_keys')
    .selectAll()
    .where('serial', '=', checked.serial)
    .executeTakeFirst()
  if (!key) return fail(new AppError('invalid_key', 'this license key is not known to this server'))
  const refusedAsAdded = (k: typeof key) =>
    k.org_id === org.id
      ? new AppError(
          'key_already_added',
          `this key was already added to '${org.slug}' by ${k.added_by} at ${toIso(k.added_at!)}`,
          { addedBy: k.added_by, addedAt: toIso(k.added_at!) },
        )
      : new AppError(
          'key_already_added',
          'this key was already added by another organization; a key is added once, ever',
        )
  if (key.added_at !== null) throw refusedAsAdded(key)
  // Its licenses could never be assigned: adding it would only leave the organization a failing
  // expiry check to retire. A genuine key, so no failed addition is counted.
  if (key.expires_at !== null && key.expires_at <= now)
    throw new AppError(
      'license_expired',
      `the licenses of this key could be assigned only through ${lastValidDay(key.expires_at, 'UTC')} (UTC); a key past its last day cannot be added`,
      { expiresAt: toIso(key.expires_at) },
    )
  const by = actorName(ctx.principal)
  return inTransaction(ctx, async (trx) => {
    // Conditional: of two racing additions, one wins.
    const won = await trx
      .updateTable('device_keys')
      .set({ org_id: org.id, added_by: by, added_at: now })
      .where('id', '=', key.id)
      .where('added_at', 'is', null)
      .returningAll()
      .executeTakeFirst()
    if (!won) {
      const again = await trx
        .selectFrom('device_keys')
        .selectAll()
        .where('id', '=', key.id)
        .executeTakeFirstOrThrow()
      throw refusedAsAdded(again)
    }
    const rows: LicenseRow[] = Array.from({ length: key.license_count }, (_, i) => ({
      id: newId('dl', now),
      name: `${key.serial}-${i + 1}`,
      org_id: org.id,
      category_id: key.category_id,
      term: key.term,
      days: key.term_days,
      key_id: key.id,
      key_count: key.license_count,
      slot: i + 1,
      state: 'pool',
      device_id: null,
      assigned_at: null,
      expires_at: key.expires_at,
      created_at: now,
    }))
    for (let i = 0; i < rows.length; i += 500)
      await trx
        .insertInto('device_licenses')
        .values(rows.slice(i, i + 500))
        .execute()
    const cat = await trx
      .selectFrom('device_categories')
      .select('name')
      .where('id', '=', key.category_id)
      .executeTakeFirstOrThrow()
    await audit(trx, ctx, {
      orgId: org.id,
      action: 'devices.keys.add',
      target: key.serial,
      before: { pool: 0 },
      after: { category: cat.name, term: key.term, count: key.license_count, termsAccepted: true },
    })
    return presentKey(
      { ...won, category: cat.name, in_pool: key.license_count, assigned: 0, spent: 0, retired: 0 },
      now,
    )
  })
}

type KeyListRow = Database['device_keys'] & {
  category: string
  in_pool: number
  assigned: number
  spent: number
  retired: number
}

function presentKey(r: KeyListRow, now: number): DeviceKey {
  const inPool = Number(r.in_pool)
  const assigned = Number(r.assigned)
  const spent = Number(r.spent)
  const retired = Number(r.retired)
  const expired = r.expires_at !== null && r.expires_at <= now
  return {
    serial: r.serial,
    category: r.category,
    term: r.term,
    termDays: r.term_days,
    count: r.license_count,
    inPool,
    assigned,
    spent,
    retired,
    addedBy: r.added_by!,
    addedAt: toIso(r.added_at!),
    expiresAt: toIsoOrNull(r.expires_at),
    // By what happened here: licenses transferred to another organization left the key's count
    // without being assigned, so they make it neither partly assigned nor used up by themselves.
    state:
      inPool === 0
        ? retired > 0
          ? 'retired'
          : 'used-up'
        : expired
          ? 'expired'
          : assigned + spent === 0
            ? 'available'
            : 'partly-assigned',
  }
}

/** Every key of the organization, expired and used-up ones included (members may read). */
export async function listKeys(ctx: ServiceContext, slug: string): Promise<{ items: DeviceKey[] }> {
  const org = await authorizeOrg(ctx, slug, { role: 'member', write: false })
  const now = ctx.clock.now()
  const keys = await ctx.db
    .selectFrom('device_keys')
    .innerJoin('device_categories', 'device_categories.id', 'device_keys.category_id')
    .selectAll('device_keys')
    .select('device_categories.name as category')
    .where('device_keys.org_id', '=', org.id)
    .orderBy('device_keys.added_at')
    .orderBy('device_keys.serial')
    .execute()
  const counts = await ctx.db
    .selectFrom('device_licenses')
    .select(['key_id', 'state', (eb) => eb.fn.countAll<number | string>().as('n')])
    .where('org_id', '=', org.id)
    .where('key_id', 'is not', null)
    .groupBy(['key_id', 'state'])
    .execute()
  const by = new Map<string, Record<string, number>>()
  for (const c of counts) {
    const m = by.get(c.key_id!) ?? {}
    m[c.state] = Number(c.n)
    by.set(c.key_id!, m)
  }
  return {
    items: keys.map((k) => {
      const m = by.get(k.id) ?? {}
      return presentKey(
        {
          ...k,
          in_pool: m.pool ?? 0,
          assigned: m.assigned ?? 0,
          spent: m.spent ?? 0,
          retired: m.retired ?? 0,
        },
        now,
      )
    }),
  }
}

/**
 * A key as an admin names it: the whole key (its check characters checked), or its serial as
 * `devices keys list` shows it. Either names a key; what the caller may do with it is checked after.
 */
export function serialOfKey(input: string): string {
  const named = keyOrSerial(input)
  if (!named.ok) throw new AppError('invalid_key', `not a valid license key: ${named.message}`)
  return named.serial
}

/**
 * Retires a key in the organization (admins): its licenses still in this organization's pool once
 * the key's last day to be assigned has passed can never be assigned again, so they are written off
 * (state `retired`): they leave the pool and `expiry check`, and the key lists as `retired`. It
 * takes licenses of the key transferred here too, though the key itself is another organization's.
 * Licenses on devices are untouched (their cumulative license runs on). Refused while the licenses
 * can still be assigned (`key_not_expired`); re-running retires nothing more (already so).
 */
export async function retireKey(ctx: ServiceContext, slug: string, body: RetireKeyBody): Promise<RetiredKey> {
  const org = await authorizeOrg(ctx, slug, { role: 'admin', write: true })
  const serial = serialOfKey(body.key)
  const now = ctx.clock.now()
  return inTransaction(ctx, async (trx) => {
    let keyQuery = trx.selectFrom('device_keys').selectAll().where('serial', '=', serial)
    // Lock order as a transfer's: the key first, so a racing transfer of the key waits.
    if (ctx.dialect === 'postgres') keyQuery = keyQuery.forUpdate()
    const key = await keyQuery.executeTakeFirst()
    let here: Array<Pick<LicenseRow, 'id' | 'name' | 'state' | 'expires_at' | 'slot'>> = []
    if (key) {
      // Locked in id order, as a transfer locks licenses, so the two queue instead of deadlocking.
      let licenses = trx
        .selectFrom('device_licenses')
        .select(['id', 'name', 'state', 'expires_at', 'slot'])
        .where('key_id', '=', key.id)
        .where('org_id', '=', org.id)
        .orderBy('id')
      if (ctx.dialect === 'postgres') licenses = licenses.forUpdate()
      here = (await licenses.execute()).sort((a, b) => (a.slot ?? 0) - (b.slot ?? 0))
    }
    if (!key || (key.org_id !== org.id && here.length === 0)) throw keyNotFound(serial, org.slug)
    if (key.expires_at === null)
      throw new AppError(
        'key_not_expired',
        `key ${serial} has no last day to be assigned: its licenses never lapse in the pool`,
      )
    if (key.expires_at > now)
      throw new AppError(
        'key_not_expired',
        `the licenses of key ${serial} can be assigned through ${lastValidDay(key.expires_at, org.time_zone)}: assign or transfer them before then; they can be retired after`,
        { expiresAt: toIso(key.expires_at) },
      )
    const lapsed = here.filter((l) => l.state === 'pool' && l.expires_at !== null && l.expires_at <= now)
    if (lapsed.length > 0) {
      const retired = await trx
        .updateTable('device_licenses')
        .set({ state: 'retired' })
        .where(
          'id',
          'in',
          lapsed.map((l) => l.id),
        )
        .where('org_id', '=', org.id)
        .where('state', '=', 'pool')
        .executeTakeFirst()
      if (Number(retired.numUpdatedRows) !== lapsed.length)
        throw new AppError(
          'contention',
          `a license of key ${serial} changed while retiring; nothing was retired`,
        )
      await audit(trx, ctx, {
        orgId: org.id,
        action: 'devices.keys.retire',
        target: serial,
        before: { pool: lapsed.length, expiresAt: toIso(key.expires_at) },
        after: { pool: 0, retired: lapsed.map((l) => l.name) },
      })
    }
    return { key: serial, expiresAt: toIso(key.expires_at), licenses: lapsed.map((l) => l.name) }
  })
}

export function presentPoolLicense(
  r: LicenseRow & { category: string; key_serial: string | null },
  org: OrgRow,
): PoolLicense {
  return {
    name: r.name,
    category: r.category,
    term: r.term,
    days: r.days,
    key: r.key_serial,
    expiresAt: toIsoOrNull(r.expires_at),
    assignableThrough: r.expires_at === null ? null : lastValidDay(r.expires_at, org.time_zone),
  }
}

/**
 * Unassigned licenses, grouped by category, term, remaining days and last day to be assigned
 * (expired ones left out): a group's row says one deadline true of all its licenses.
 */
export async function showPool(ctx: ServiceContext, slug: string): Promise<Pool> {
  const org = await authorizeOrg(ctx, slug, { role: 'member', write: false })
  const now = ctx.clock.now()
  const rows = await ctx.db
    .selectFrom('device_licenses')
    .innerJoin('device_categories', 'device_categories.id', 'device_licenses.category_id')
    .leftJoin('device_keys', 'device_keys.id', 'device_licenses.key_id')
    .selectAll('device_licenses')
    .select(['device_categories.name as category', 'device_keys.serial as key_serial'])
    .where('device_licenses.org_id', '=', org.id)
    .where('device_licenses.state', '=', 'pool')
    .where((eb) =>
      eb.or([eb('device_licenses.expires_at', 'is', null), eb('device_licenses.expires_at', '>', now)]),
    )
    .execute()
  // By category, then days, then name in natural order (a key's license 2 before its license 10).
  const licenses = rows
    .map((r) => presentPoolLicense(r, org))
    .sort((a, b) => byteOrder(a.category, b.category) || a.days - b.days || naturalOrder(a.name, b.name))
  const groups: Pool['groups'] = []
  for (const l of licenses) {
    const g = groups.find(
      (x) =>
        x.category === l.category &&
        x.term === l.term &&
        x.days === l.days &&
        x.assignableThrough === l.assignableThrough,
    )
    if (g) {
      g.count++
      g.licenses.push(l.name)
    } else
      groups.push({
        category: l.category,
        term: l.term,
        days: l.days,
        assignableThrough: l.assignableThrough,
        count: 1,
        licenses: [l.name],
      })
  }
  return { groups, licenses }
}

/** A random name for a license returned from a detached device: `R-` and 10 base32 characters. */
export function returnedLicenseName(): string {
  const a = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'
  return `R-${[...randomBytes(10)].map((b) => a[b & 31]).join('')}`
}

/** A key that is not in the organization `slug`; `where` says where it is instead, when known. */
export const keyNotFound = (serial: string, slug: string, where?: string) =>
  notFound(`key ${quote(serial)} in ${quote(slug)} not found${where === undefined ? '' : ` (${where})`}`)
