/**
 * Runs `fn` as on a terminal (`tty`) of `columns`, plain (NO_COLOR) or with colour forced, then puts
 * stdout and the environment back: what `renderTable` and `shortTime` read. An async `fn` is awaited
 * before they are put back, so code after its first `await` still runs "on the terminal".
 */
export function asOnTerminal<T>(
  opts: { tty?: boolean; columns: number; colour?: boolean },
  fn: () => Promise<T>,
): Promise<T>
export function asOnTerminal<T>(opts: { tty?: boolean; columns: number; colour?: boolean }, fn: () => T): T
export function asOnTerminal<T>(
  opts: { tty?: boolean; columns: number; colour?: boolean },
  fn: () => T | Promise<T>,
): T | Promise<T> {
  const had = Object.getOwnPropertyDescriptor(process.stdout, 'isTTY')
  const keep = {
    NO_COLOR: process.env.NO_COLOR,
    FORCE_COLOR: process.env.FORCE_COLOR,
    COLUMNS: process.env.COLUMNS,
  }
  const restore = () => {
    if (had) Object.defineProperty(process.stdout, 'isTTY', had)
    else delete (process.stdout as { isTTY?: boolean }).isTTY
    for (const [k, v] of Object.entries(keep))
      if (v === undefined) delete process.env[k]
      else process.env[k] = v
  }
  Object.defineProperty(process.stdout, 'isTTY', {
    value: (opts.tty ?? true) ? true : undefined,
    configurable: true,
  })
  if (opts.colour) {
    delete process.env.NO_COLOR
    process.env.FORCE_COLOR = '1'
  } else process.env.NO_COLOR = '1'
  process.env.COLUMNS = String(opts.columns)
  let result: T | Promise<T>
  try {
    result = fn()
  } catch (err) {
    restore()
    throw err
  }
  if (result instanceof Promise) return result.finally(restore)
  restore()
  return result
}
