/**
 * A JSON object as parsed (`{…}`): not null, not an array. What the CLI's documents, profiles
 * file and `api` fields and the server's stored audit states are checked against before their
 * properties are read.
 */
export const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v)
