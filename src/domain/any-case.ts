/**
 * The value as declared that the text typed names in any case (`admin` for `Admin`, `S-4` for
 * `s-4`): the one rule of a fixed-value flag or argument (`--role Admin`), a bulk file's
 * fixed-value cell, and a device model a category covers. Undefined when none does.
 */
export function inAnyCase<T extends string>(declared: readonly T[], typed: string): T | undefined {
  const folded = typed.toLowerCase()
  return declared.find((d) => d.toLowerCase() === folded)
}
