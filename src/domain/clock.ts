import { withinRange } from './time-range.js'

/** The server's notion of now. Tests and demos start it at a fixed instant; it then advances in real time. */
export interface Clock {
  now(): number
}

export const systemClock: Clock = { now: () => Date.now() }

export function clockStartingAt(startMs: number): Clock {
  const offset = startMs - Date.now()
  return { now: () => Date.now() + offset }
}

/** An instant as ISO-8601 UTC; one stored out of range (an older version's row) at the bound (time-range.ts). */
export const toIso = (ms: number): string => new Date(withinRange(ms)).toISOString()
export const toIsoOrNull = (ms: number | null | undefined): string | null => (ms == null ? null : toIso(ms))
