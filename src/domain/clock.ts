/** The server's notion of now. Tests and demos start it at a fixed instant; it then advances in real time. */
export interface Clock {
  now(): number
}

export const systemClock: Clock = { now: () => Date.now() }

export function clockStartingAt(startMs: number): Clock {
  const offset = startMs - Date.now()
  return { now: () => Date.now() + offset }
}

export const toIso = (ms: number): string => new Date(ms).toISOString()
export const toIsoOrNull = (ms: number | null | undefined): string | null => (ms == null ? null : toIso(ms))
