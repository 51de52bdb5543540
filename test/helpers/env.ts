/**
 * Puts process.env back as `saved` holds it, in place. Assigning a new object to process.env
 * would detach it from the process's real environment: a variable a test had set (HOME, say)
 * would stay set for os.homedir() and child processes in every later test file.
 */
export function restoreEnv(saved: NodeJS.ProcessEnv): void {
  for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key]
  for (const [key, value] of Object.entries(saved)) if (value !== undefined) process.env[key] = value
}
