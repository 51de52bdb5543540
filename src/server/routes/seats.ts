import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'

/** Seat pools and leases: see the seats issue. */
export const seatRoutes: FastifyPluginAsyncZod = async () => {}
