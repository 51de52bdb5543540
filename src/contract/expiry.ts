import * as z from 'zod'
import { parseDuration } from '../domain/duration.js'
import { durationProblem } from '../domain/time-range.js'
import { instant, orgParams, wholeNumber } from './common.js'
import { defineEndpoints } from './endpoint.js'

const HOUR_MS = 3_600_000

/**
 * An expiry window on the wire: `30d`, `2w`, `12h`, `1h30m` (parsed by domain/duration.ts), an hour
 * or more and no longer than the range of times licctl stores (domain/time-range.ts).
 */
export const duration = z
  .string()
  .regex(/^(\d+[smhdwSHDW])+$/, 'expected a duration like 30d, 2w or 12h')
  .check((c) => {
    const ms = parseDuration(c.value)
    if (ms === null) return
    // `1m` is a minute, not a month: a window that short passes a CI check on everything.
    const problem =
      durationProblem(ms) ??
      (ms < HOUR_MS ? 'expected a window of an hour or more (m is minutes; a month is 30d)' : null)
    if (problem !== null) c.issues.push({ code: 'custom', message: problem, input: c.value })
  })

/** The `capacity` percentage's bounds (the `--capacity` flag's too). */
export const capacityPercent = z.number().int().min(0).max(100)

export const expiryQuery = z.strictObject({
  /** The window: what expires within it is reported (default 30d). */
  within: duration.default('30d'),
  /** Items closer than this (or expired) are failing; those between it and the window are warnings. */
  failWithin: duration.optional(),
  /**
   * Only these kinds, comma-separated (`seat-pool,token`); every kind when absent. In any case
   * (`Token` is `token`), as every fixed set of values is.
   */
  kind: z.string().max(200).toLowerCase().optional(),
  /** Whether expired items are reported (default include). */
  expired: z.enum(['include', 'exclude']).default('include'),
  /** Seat and add-on pools at or above this percentage used are reported (default 90; 0 turns it off). */
  capacity: wholeNumber(capacityPercent).default(90),
  /** Pools at capacity are failing rather than warnings. */
  failOnCapacity: z.enum(['true', 'false']).default('false'),
})
export type ExpiryQuery = z.infer<typeof expiryQuery>

export const expirySeverity = z.enum(['warning', 'failing', 'expired'])

export const expiryItem = z.object({
  /** What it is: `seat-pool`, `addon-pool`, `token`, and the kinds other topics register. */
  kind: z.string(),
  id: z.string(),
  name: z.string(),
  org: z.string(),
  /** Why it is reported: it expires (or has), or its pool is nearly full. */
  reason: z.enum(['expiry', 'capacity']),
  expiresAt: instant,
  /** The last calendar day it is valid, in the organization's time zone. */
  validThrough: z.string(),
  /** Calendar days from today to its last valid day (0: today is the last; negative: expired). */
  daysLeft: z.number().int(),
  severity: expirySeverity,
  /** The seats, licenses or tokens that lapse with it. */
  affected: z.object({ count: z.number().int(), unit: z.string() }),
  /** Whose it is (a token's user) or what it licenses (a device); null for pools. */
  owner: z.string().nullable(),
  /** For pools: how full they are. */
  usage: z.object({ used: z.number().int(), total: z.number().int(), percent: z.number().int() }).nullable(),
  /**
   * For an expired item, what an admin does about it when there is one thing to do, e.g. for pool
   * licenses that lapsed unassigned: `licctl devices keys retire <key>` writes them off and clears
   * them from the check. Null otherwise (and from servers that predate it).
   */
  remedy: z.string().nullable().default(null),
})
export type ExpiryItem = z.infer<typeof expiryItem>

export const expirySummary = z.object({
  total: z.number().int(),
  expired: z.number().int(),
  failing: z.number().int(),
  warning: z.number().int(),
  /** Items per kind. */
  byKind: z.record(z.string(), z.number().int()),
})
export type ExpirySummary = z.infer<typeof expirySummary>

export const expiryReport = z.object({
  org: z.string(),
  timeZone: z.string(),
  checkedAt: instant,
  window: z.object({
    within: z.string(),
    /** Everything expiring at or before this instant is in the window. */
    until: instant,
    failWithin: z.string().nullable(),
    failUntil: instant.nullable(),
    capacity: z.number().int(),
  }),
  /** The kinds checked (every registered kind unless asked for fewer). */
  kinds: z.array(z.string()),
  items: z.array(expiryItem),
  summary: expirySummary,
})
export type ExpiryReport = z.infer<typeof expiryReport>

/** What `licctl expiry check --json` prints: every organization checked, merged. */
export const expiryCheckOutput = z.object({
  checkedAt: instant,
  window: expiryReport.shape.window,
  /** The organizations checked, and through which profile (null: the environment's token). */
  orgs: z.array(z.object({ org: z.string(), profile: z.string().nullable() })),
  items: z.array(expiryItem),
  summary: expirySummary,
  /** Organizations or profiles that could not be checked (`--all-orgs`): reported, never skipped silently. */
  errors: z.array(
    z.object({
      profile: z.string().nullable(),
      org: z.string().nullable(),
      code: z.string(),
      message: z.string(),
    }),
  ),
})
export type ExpiryCheckOutput = z.infer<typeof expiryCheckOutput>

export const expiryEndpoints = defineEndpoints('expiry', {
  check: {
    method: 'GET',
    path: '/orgs/{org}/expiry',
    summary:
      'What has expired or expires within the window, and pools nearly full (admins; read-only tokens too)',
    access: 'admin',
    params: orgParams,
    query: expiryQuery,
    responses: { 200: expiryReport },
  },
})
