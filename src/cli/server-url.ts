import { quote } from './errors.js'

/**
 * Why `text` cannot name a license server (`--url`, `LICCTL_URL`), quoting it, or undefined. The
 * client sends its requests to the URL's origin and path only, with the token: a user name or
 * password in it would be stored in the profile and shown by `orgs profiles`, never used (it is
 * refused, and not echoed), and a query or fragment would be dropped without a word.
 */
export function serverUrlProblem(text: string): string | undefined {
  const url = URL.parse(text)
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:'))
    return `not an http(s) URL: ${quote(text, 80)}`
  if (url.username || url.password) {
    url.username = url.username && '***'
    url.password = url.password && '***'
    return `a server URL holds no user name or password (licctl authenticates with its token), got ${quote(url.href, 80)}`
  }
  if (url.search || url.hash)
    return `a server URL has no query or fragment (${quote(url.search || url.hash, 40)}), got ${quote(text, 80)}`
  return undefined
}
