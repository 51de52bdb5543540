import { defineEndpoints } from './endpoint.js'
import { health } from './health.js'
import { whoami } from './tokens.js'

export const metaEndpoints = defineEndpoints('meta', {
  health: {
    method: 'GET',
    path: '/health',
    summary: 'Liveness and database check',
    access: 'public',
    responses: { 200: health },
  },
  whoami: {
    method: 'GET',
    path: '/me',
    summary: 'Who the token belongs to',
    access: 'token',
    responses: { 200: whoami },
  },
})
