import * as z from 'zod'
import { C0_CONTROLS, CONTROLS_BEYOND_C0 } from '../domain/terminal-controls.js'
import { dateProblem, instantProblem, isCalendarDate } from '../domain/time-range.js'

/** UTC instant on the wire: ISO-8601 with a Z. */
export const instant = z.iso.datetime({ offset: false })
export const slug = z
  .string()
  .min(2)
  .max(40)
  .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'lowercase letters, digits and single dashes')
export const email = z
  .email()
  .max(254)
  .transform((s) => s.toLowerCase())
/** What would move a terminal's cursor, clear it or reorder it when an admin lists what someone else typed. */
const CONTROL_CHARACTERS = new RegExp(`[${C0_CONTROLS}${CONTROLS_BEYOND_C0}]`, 'u')

/** Free text others see on a terminal (a host, a device's name): trimmed, 1..max, no control character. */
export const plainText = (max: number) =>
  z
    .string()
    .trim()
    .min(1)
    .max(max)
    .refine((s) => !CONTROL_CHARACTERS.test(s), 'must not contain control characters')
export const orgParams = z.strictObject({ org: slug })

export const role = z.enum(['admin', 'member'])
export type Role = z.infer<typeof role>

export const pageQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  cursor: z.string().max(200).optional(),
})
export type PageQuery = z.infer<typeof pageQuery>

export function page<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), nextCursor: z.string().nullable() })
}

export const okBody = z.object({ ok: z.literal(true) })

/**
 * An expiration on the wire: a calendar date (valid through that day in the organization's time
 * zone) or an ISO-8601 instant. The server turns it into an instant with `expiryInstant`. Either
 * stays within the times licctl stores and shows (domain/time-range.ts: dates through 9999-12-29).
 */
export const expiryInput = z.union([z.iso.date(), z.iso.datetime({ offset: true })]).check((c) => {
  const problem = isCalendarDate(c.value) ? dateProblem(c.value) : instantProblem(Date.parse(c.value))
  if (problem !== null) c.issues.push({ code: 'custom', message: problem, input: c.value })
})
