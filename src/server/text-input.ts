import type { FastifySchemaCompiler } from 'fastify'
import type * as z from 'zod'

/**
 * Where in `value` the first string holding U+0000 is, or undefined. One path array is pushed and
 * popped on the way down and copied only when a NUL is found: this walks every value of every
 * request (a bulk batch's thousand rows), where a copy per step was a thousand arrays and more.
 */
function nulAt(value: unknown, path: PropertyKey[] = []): PropertyKey[] | undefined {
  if (typeof value === 'string') return value.includes('\u0000') ? [...path] : undefined
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      path.push(i)
      const found = nulAt(value[i], path)
      path.pop()
      if (found) return found
    }
  } else if (value !== null && typeof value === 'object') {
    for (const k of Object.keys(value)) {
      if (k.includes('\u0000')) return [...path, k]
      path.push(k)
      const found = nulAt((value as Record<string, unknown>)[k], path)
      path.pop()
      if (found) return found
    }
  }
  return undefined
}

/**
 * Wraps a route validator compiler so that every text input (path, query, body) refuses the NUL
 * character, naming the field: PostgreSQL cannot store U+0000 in text and rejects the statement
 * (22021), which would otherwise surface as a 500 from whichever query first met the value, and
 * SQLite would store what PostgreSQL refuses. A fuzzed audit-entry id holding U+0000 found it.
 */
export function refusingNul(compile: FastifySchemaCompiler<z.ZodType>): FastifySchemaCompiler<z.ZodType> {
  return (route) =>
    compile({
      ...route,
      schema: route.schema.superRefine((value: unknown, ctx) => {
        const path = nulAt(value)
        if (path)
          ctx.addIssue({ code: 'custom', path, message: 'must not contain the NUL character (U+0000)' })
      }),
    })
}
