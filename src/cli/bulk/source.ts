import { UsageError } from '../errors.js'
import { inputTooLarge, maxWholeInputBytes } from './limits.js'

/** Where rows come from: command-line targets, or a CSV/JSON file (`-` is stdin). */
export type BulkSource = { kind: 'args'; values: string[] } | { kind: 'file'; path: string }

let stdinCache: Promise<string> | undefined
/**
 * Standard input, read once: it is sized, sniffed and parsed (twice) from the same text. It is held
 * whole, so past the size limit reading stops and the input is refused.
 */
export function readStdin(): Promise<string> {
  return (stdinCache ??= (async () => {
    const max = maxWholeInputBytes()
    const chunks: Buffer[] = []
    let bytes = 0
    for await (const chunk of process.stdin) {
      bytes += (chunk as Buffer).length
      if (bytes > max) throw inputTooLarge('standard input', undefined)
      chunks.push(chunk as Buffer)
    }
    return Buffer.concat(chunks).toString('utf8')
  })())
}

/** The size of a file source in bytes (0 for arguments). */
export async function inputBytes(source: BulkSource): Promise<number> {
  if (source.kind !== 'file') return 0
  if (source.path === '-') return Buffer.byteLength(await readStdin())
  const { stat } = await import('node:fs/promises')
  return stat(source.path).then(
    (s) => s.size,
    () => 0,
  )
}

export function cannotRead(path: string, e: NodeJS.ErrnoException): UsageError {
  return new UsageError(`cannot read ${path}: ${e.code === 'ENOENT' ? 'no such file' : e.message}`)
}

/** CSV or JSON: by the file's name, else by its first characters. */
export async function detectFormat(path: string): Promise<'csv' | 'json'> {
  if (/\.json$/i.test(path)) return 'json'
  if (/\.csv$/i.test(path)) return 'csv'
  const head = path === '-' ? (await readStdin()).slice(0, 64) : (await readFileStart(path)).toString('utf8')
  return /^\uFEFF?\s*[[{]/.test(head) ? 'json' : 'csv'
}

async function readFileStart(path: string): Promise<Buffer> {
  const { open } = await import('node:fs/promises')
  const fh = await open(path, 'r').catch((e: NodeJS.ErrnoException) => {
    throw cannotRead(path, e)
  })
  try {
    const buf = Buffer.alloc(64)
    const { bytesRead } = await fh.read(buf, 0, 64, 0)
    return buf.subarray(0, bytesRead)
  } finally {
    await fh.close()
  }
}
