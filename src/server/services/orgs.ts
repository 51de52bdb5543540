import type { CreateOrgBody, Organization, UpdateOrgBody } from '../../contract/orgs.js'
import type { PageQuery } from '../../contract/common.js'
import { spelledTimeZone } from '../../domain/dates.js'
import { newId } from '../../domain/ids.js'
import { generateToken } from '../../domain/tokens.js'
import type { ServiceContext } from '../context.js'
import { AppError } from '../errors.js'
import { inTransaction } from '../transaction.js'
import { authorizeOrg, requireOperator } from './access.js'
import { audit } from './audit.js'
import { mapPage, paginate } from './paging.js'
import { presentOrg } from './presenters.js'
import { ensureUser } from './users.js'

export async function createOrg(ctx: ServiceContext, body: CreateOrgBody) {
  requireOperator(ctx)
  const now = ctx.clock.now()
  return inTransaction(ctx, async (trx) => {
    const taken = await trx
      .selectFrom('organizations')
      .select('id')
      .where('slug', '=', body.slug)
      .executeTakeFirst()
    if (taken) throw new AppError('already_exists', `organization '${body.slug}' already exists`)
    const org = {
      id: newId('org', now),
      slug: body.slug,
      name: body.name,
      contact_email: body.contactEmail ?? null,
      contact_phone: body.contactPhone ?? null,
      contact_address: body.contactAddress ?? null,
      perpetual_licenses: JSON.stringify(body.perpetualLicenses ?? []),
      time_zone: spelledTimeZone(body.timeZone ?? 'UTC'),
      device_preference: body.devicePreference ?? 'shortest',
      created_at: now,
      updated_at: now,
    }
    await trx.insertInto('organizations').values(org).execute()
    await audit(trx, ctx, {
      orgId: org.id,
      action: 'org.create',
      target: org.slug,
      after: { name: org.name },
    })
    let admin: { email: string; token: string } | null = null
    if (body.admin) {
      const user = await ensureUser(trx, body.admin.email, body.admin.name ?? null, now)
      await trx
        .insertInto('memberships')
        .values({ org_id: org.id, user_id: user.id, role: 'admin', created_at: now })
        .execute()
      const t = generateToken('user')
      await trx
        .insertInto('tokens')
        .values({
          id: newId('tok', now),
          token_hash: t.hash,
          prefix: t.prefix,
          kind: 'user',
          user_id: user.id,
          org_id: org.id,
          name: 'initial admin token',
          read_only: 0,
          created_at: now,
          expires_at: null,
          last_used_at: null,
          revoked_at: null,
        })
        .execute()
      await audit(trx, ctx, {
        orgId: org.id,
        action: 'user.add',
        target: user.email,
        after: { role: 'admin' },
      })
      admin = { email: user.email, token: t.token }
    }
    return { organization: presentOrg(org), admin }
  })
}

/** The operator sees every organization; a user token sees its own. */
export async function listOrgs(ctx: ServiceContext, q: PageQuery) {
  let query = ctx.db.selectFrom('organizations').selectAll()
  const p = ctx.principal
  if (p.kind === 'user') query = query.where('id', '=', p.orgId)
  const page = await paginate(query, { ...q, keys: [{ column: 'id', value: (r) => r.id }] })
  return mapPage(page, presentOrg)
}

export async function showOrg(ctx: ServiceContext, slug: string) {
  return presentOrg(await authorizeOrg(ctx, slug, { role: 'member', write: false }))
}

export async function updateOrg(ctx: ServiceContext, slug: string, body: UpdateOrgBody) {
  const now = ctx.clock.now()
  return inTransaction(ctx, async (trx) => {
    const org = await authorizeOrg(ctx, slug, { role: 'admin', write: true }, trx)
    const changes = {
      ...(body.name !== undefined ? { name: body.name } : {}),
      ...(body.contactEmail !== undefined ? { contact_email: body.contactEmail } : {}),
      ...(body.contactPhone !== undefined ? { contact_phone: body.contactPhone } : {}),
      ...(body.contactAddress !== undefined ? { contact_address: body.contactAddress } : {}),
      ...(body.timeZone !== undefined ? { time_zone: spelledTimeZone(body.timeZone) } : {}),
      ...(body.devicePreference !== undefined ? { device_preference: body.devicePreference } : {}),
    }
    const before = presentOrg(org)
    // The audit log speaks the API's language (camelCase fields), only for the fields that change:
    // a re-run of the same update (a script's) is no change, so it writes no entry and keeps updatedAt.
    const fields = (Object.keys(body) as Array<keyof UpdateOrgBody>).filter(
      (f) => JSON.stringify(before[f]) !== JSON.stringify(presentOrg({ ...org, ...changes })[f]),
    )
    if (fields.length === 0) return { ...before, changed: false }
    const updated = { ...org, ...changes, updated_at: now }
    await trx
      .updateTable('organizations')
      .set({ ...changes, updated_at: now })
      .where('id', '=', org.id)
      .execute()
    const pick = (o: Organization) => Object.fromEntries(fields.map((f) => [f, o[f]]))
    const after = presentOrg(updated)
    await audit(trx, ctx, {
      orgId: org.id,
      action: 'org.update',
      target: org.slug,
      before: pick(before),
      after: pick(after),
    })
    return { ...after, changed: true }
  })
}

export { listAudit } from './audit-log.js'
