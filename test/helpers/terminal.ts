/**
 * Runs `fn` as on a terminal (`tty`) of `columns`, plain (NO_COLOR) or with colour forced, then puts
 * stdout and the environment back: what `renderTable` and `shortTime` read.
 */
export function asOnTerminal<T>(opts: { tty?: boolean; columns: number; colour?: boolean }, fn: () => T): T {
  const had = Object.getOwnPropertyDescriptor(process.stdout, 'isTTY')
  const keep = {
    NO_COLOR: process.env.NO_COLOR,
    FORCE_COLOR: process.env.FORCE_COLOR,
    COLUMNS: process.env.COLUMNS,
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
  try {
    return fn()
  } finally {
    if (had) Object.defineProperty(process.stdout, 'isTTY', had)
    else delete (process.stdout as { isTTY?: boolean }).isTTY
    for (const [k, v] of Object.entries(keep))
      if (v === undefined) delete process.env[k]
      else process.env[k] = v
  }
}
