/**
 * 0 when nothing failed; when every row sent failed for one kind of reason, that reason's code (as
 * a single-target command would exit); else 6. Duplicate rows are not sent and do not count.
 */
export function exitCodeOf(summary: { failed: number }, sent: number, failureExits: Set<number>): number {
  if (summary.failed === 0) return 0
  if (summary.failed === sent && failureExits.size === 1) return [...failureExits][0]!
  return 6
}
