/**
 * What an Idempotency-Key may be: the server refuses any other (400), and `licctl api
 * --idempotency-key` refuses it first, naming the flag. One pattern for both ends.
 */
export const IDEMPOTENCY_KEY = /^[A-Za-z0-9._:-]{8,200}$/

/** The pattern in words, for both ends' refusals. */
export const IDEMPOTENCY_KEY_RULE = '8–200 characters of [A-Za-z0-9._:-]'
