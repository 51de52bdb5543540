import { errorBody } from '../../contract/error-body.js'

/** Error responses every authenticated route may give, for the OpenAPI document. */
export const errors = {
  400: errorBody,
  401: errorBody,
  403: errorBody,
  404: errorBody,
  409: errorBody,
} as const

export const security = [{ bearerAuth: [] }]
