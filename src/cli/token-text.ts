/**
 * Whether a token as given (LICCTL_TOKEN, or `orgs login --with-token`'s stdin) can be one: tokens
 * are printable ASCII without spaces. Anything else (`Bearer lic_…`, a quoted value, two lines)
 * would reach the server as a malformed Authorization header or a token it cannot read.
 */
export const isTokenText = (token: string): boolean => /^[\x21-\x7e]+$/.test(token)

/** The way out when a token is not one (the value is a secret: never echoed). */
export const TOKEN_TEXT_HINT = 'give the token alone (lic_u_… or lic_op_…), without "Bearer " or quotes'
