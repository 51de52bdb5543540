import * as z from 'zod'

/** The one error shape of every failed request: {"error":{"code","message","details?"}}. */
export const errorBody = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    details: z.unknown().optional(),
  }),
})
export type ErrorBody = z.infer<typeof errorBody>
