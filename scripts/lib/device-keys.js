// Issuing device license keys (the operator's `licctl devices keys issue --json`), shared by the
// demo and the e2e tests so that the command and the shape of its answer are written once.

/**
 * The arguments of `licctl devices keys issue` for `count` keys of a category and term, with the
 * last day to add them when `expires` is given; the answer is JSON.
 * @param {{ category: string, term: string, count: number, expires?: string | undefined }} keys
 * @returns {string[]}
 */
export function issueKeysArgs({ category, term, count, expires }) {
  return [
    ...['devices', 'keys', 'issue', '--category', category, '--term', term, '--count', String(count)],
    ...(expires ? ['--expires', expires] : []),
    '--json',
  ]
}

/**
 * The keys in the answer of `issueKeysArgs`, each with its serial.
 * @param {string} stdout
 * @returns {Array<{ key: string, serial: string }>}
 */
export function issuedKeys(stdout) {
  return JSON.parse(stdout).keys
}
