import { BULK_MAX_ITEMS } from '../../contract/bulk.js'

/**
 * Rows a command plans with the server's dry run before asking its question: one batch. A job of
 * more is asked about without a plan (planning it would take as long as applying it, and a plan
 * carries at most BULK_PRIOR_MAX_ITEMS changing rows forward): `--dry-run` shows its plan.
 */
export const PLANNED_ROWS = BULK_MAX_ITEMS

/** Rows listed one by one above a question; past that, counted. */
export const LISTED_ROWS = 20

/** The first LISTED_ROWS lines, then `  … and N more` for the rest. */
export function listedLines(lines: readonly string[]): string[] {
  if (lines.length <= LISTED_ROWS) return [...lines]
  return [...lines.slice(0, LISTED_ROWS), `  … and ${lines.length - LISTED_ROWS} more`]
}
