import * as z from 'zod'
import { defineEndpoints } from './endpoint.js'
import { auditEntry } from './orgs.js'
import { userParams } from './users.js'

export const explainQuery = z.strictObject({
  /** What to explain: `addon`, `pool`, or a kind another topic registers (`device`, `activation`). */
  subject: z.string().max(40).optional(),
  /** The add-on key, pool product, device serial or activation id. */
  name: z.string().min(1).max(200).optional(),
})
export type ExplainQuery = z.infer<typeof explainQuery>

export const explanation = z.object({
  email: z.string(),
  org: z.string(),
  subject: z.object({ type: z.string(), name: z.string() }).nullable(),
  /** Whether the user can use it now (for a membership-only question: whether they are a member). */
  licensed: z.boolean(),
  /**
   * The rule that decided: `ok`, `not_a_member`, `cloud_license_required`, `pool_expired`,
   * `no_free_seat`… An add-on, pool, device or activation ID the organization does not have is no
   * explanation but a 404 (`not_found`), as everywhere else in the API.
   */
  code: z.string(),
  /** One short paragraph saying why, from the data below. */
  summary: z.string(),
  /** The facts the paragraph rests on, each one line. */
  evidence: z.array(z.object({ fact: z.string(), detail: z.string() })),
  /** The last audit entries that changed it, newest first. */
  history: z.array(auditEntry),
})
export type Explanation = z.infer<typeof explanation>

export const explainEndpoints = defineEndpoints('explain', {
  user: {
    method: 'GET',
    path: '/orgs/{org}/explain/{email}',
    summary:
      'Why a user has or lacks a license: a paragraph and its evidence (admins); 404 when the subject named does not exist',
    access: 'admin',
    params: userParams,
    query: explainQuery,
    responses: { 200: explanation },
  },
})
