import { Temporal } from 'temporal-polyfill'

const DAY = 86_400_000

/**
 * The end of an expiry window starting now. A window in whole days or weeks (`30d`, `2w`) counts
 * calendar days in the organization's time zone: `30d` covers everything valid through the 30th day
 * after today, so it ends at 00:00 of the 31st. That keeps "30 days left" and "within 30d" the same
 * thing whatever the time of day the check runs. Any other duration (`12h`, `1d6h`) is exact.
 */
export function windowEnd(nowMs: number, durationMs: number, wholeDays: boolean, timeZone: string): number {
  if (!wholeDays || durationMs % DAY !== 0) return nowMs + durationMs
  const today = Temporal.Instant.fromEpochMilliseconds(nowMs).toZonedDateTimeISO(timeZone).toPlainDate()
  return today.add({ days: durationMs / DAY + 1 }).toZonedDateTime({ timeZone }).epochMilliseconds
}
