import { UsageError } from '../client/errors.js'

/** Prompts only when a person is there: stdin and stdout both terminals. */
export function canPrompt(): boolean {
  return Boolean(process.stdin.isTTY && process.stdout.isTTY)
}

/**
 * Confirms a destructive action. `--yes` skips the question; off a terminal, without `--yes`,
 * the command fails with exit 2 and says why instead of hanging or guessing.
 */
export async function confirmDestructive(message: string, yes: boolean | undefined): Promise<void> {
  if (yes) return
  if (!canPrompt())
    throw new UsageError(`${message} — refusing without --yes (not on a terminal, so no prompt)`, {
      code: 'confirmation_required',
      hint: 'add --yes to confirm',
    })
  const { confirm } = await import('@inquirer/prompts')
  const ok = await confirm({ message, default: false })
  if (!ok) throw new UsageError('cancelled', { code: 'cancelled' })
}

export async function promptText(
  message: string,
  opts: { secret?: boolean; default?: string } = {},
): Promise<string> {
  const prompts = await import('@inquirer/prompts')
  if (opts.secret) return prompts.password({ message, mask: '*' })
  return prompts.input({ message, ...(opts.default ? { default: opts.default } : {}), required: true })
}
