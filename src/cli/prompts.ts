import { UsageError } from './errors.js'

/** Why no question is to be asked: the command cannot go on whatever the answer (see refusePrompts). */
let refusal: Error | undefined

/**
 * From now on, a prompt fails with `reason` instead of asking: a command with no connection runs
 * up to its first request to check its input (ApiCommand.client), and must not ask a question
 * whose answer it cannot act on, nor refuse one for a missing --yes (its message may name the
 * stand-in organization): the command fails with `reason`, as gh does when not logged in.
 */
export function refusePrompts(reason: Error): void {
  refusal = reason
}

/** Prompts only when a person is there: stdin and stdout both terminals. */
export function canPrompt(): boolean {
  return Boolean(process.stdin.isTTY && process.stdout.isTTY)
}

/**
 * Confirms a destructive action. `--yes` skips the question; off a terminal, without `--yes`,
 * the command fails with exit 2 and says why instead of hanging or guessing.
 */
export async function confirmDestructive(
  message: string,
  yes: boolean | undefined,
  details?: unknown,
): Promise<void> {
  if (yes) return
  // With no connection, why there is none comes before the question or its refusal: the message
  // may name what the command could not look up (an organization stood in for, see ApiCommand).
  if (refusal) throw refusal
  if (!canPrompt())
    throw new UsageError(`${message} — refusing without --yes (not on a terminal, so no prompt)`, {
      code: 'confirmation_required',
      hint: 'add --yes to confirm',
      ...(details !== undefined ? { details } : {}),
    })
  const { confirm } = await import('@inquirer/prompts')
  const ok = await answered(confirm({ message, default: false }))
  if (!ok) throw new UsageError('cancelled', { code: 'cancelled' })
}

/** Ctrl-C or Ctrl-D at a prompt is the person saying no: the same exit 2 and reason as answering no. */
async function answered<T>(question: Promise<T>): Promise<T> {
  try {
    return await question
  } catch (err) {
    if ((err as Error).name === 'ExitPromptError') throw new UsageError('cancelled', { code: 'cancelled' })
    throw err
  }
}

export async function promptText(
  message: string,
  opts: { secret?: boolean; default?: string; validate?: (value: string) => true | string } = {},
): Promise<string> {
  if (refusal) throw refusal
  const prompts = await import('@inquirer/prompts')
  if (opts.secret) return answered(prompts.password({ message, mask: '*' }))
  return answered(
    prompts.input({
      message,
      ...(opts.default ? { default: opts.default } : {}),
      ...(opts.validate ? { validate: opts.validate } : {}),
      required: true,
    }),
  )
}
