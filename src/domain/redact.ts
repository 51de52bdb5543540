/**
 * Replaces anything that looks like a licctl token with a redacted marker. Its own module, with no
 * import: the command line's error paths use it, and tokens.ts would load node:crypto with it.
 */
export function redactTokens(text: string): string {
  return text.replace(/lic_(op|u)_[A-Za-z0-9_-]{8,}/g, 'lic_$1_[REDACTED]')
}
