import * as z from 'zod'

export const health = z.object({
  status: z.literal('ok'),
  version: z.string(),
  dialect: z.enum(['sqlite', 'postgres']),
  time: z.string(),
})
export type Health = z.infer<typeof health>
