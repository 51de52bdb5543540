import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'

/** Cloud add-on pools and assignments: see the cloud issue. */
export const cloudRoutes: FastifyPluginAsyncZod = async () => {}
