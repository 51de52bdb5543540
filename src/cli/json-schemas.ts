import * as z from 'zod'
import {
  activateResponse,
  activationDetail,
  activationEntitlement,
  activationSummary,
  clearOrphansResponse,
  deactivateResponse,
  orphan,
  rehostResponse,
  resizeResponse,
  retiredEntitlement,
  returnResponse,
  splitResponse,
} from '../contract/activations.js'
import { bulkRowResult, bulkSummary } from '../contract/bulk.js'
import { addonAssignment, addonPool, entitlement, retiredAddonPool } from '../contract/cloud.js'
import { expiryCheckOutput } from '../contract/expiry.js'
import { explanation } from '../contract/explain.js'
import {
  auditEntry,
  auditEntryDetail,
  auditVerification,
  createOrgResponse,
  organization,
  orgUpdated,
  role,
} from '../contract/orgs.js'
import { createdToken, revokedToken, tokenInfo } from '../contract/tokens.js'
import { member, roleChanged } from '../contract/users.js'
import {
  checkinResponse,
  checkoutResponse,
  lease,
  retiredSeatPool,
  seatPool,
  userUsage,
} from '../contract/seats.js'
import {
  category,
  device,
  deviceDetail,
  deviceKey,
  issuedKeys,
  pool,
  retiredKey,
  transferResult,
} from '../contract/devices.js'

/**
 * What each command prints on stdout under `--json`: one zod schema per command id, or the reason
 * it has no JSON document. The committed snapshot (test/snapshots/json-schemas.json) is generated
 * from this registry, so a change to any command's JSON is a visible diff, and a command missing
 * here fails the snapshot test: every new command declares its JSON shape.
 *
 * Only the snapshot script and tests import this module (it loads every contract); commands never do.
 */
export type JsonOutput =
  | {
      schema: z.ZodType
      /**
       * The array of rows, when it is not `items`: `--json a,b` selects fields of each row, and
       * `--output csv|tsv` prints one line per row.
       */
      list?: string
    }
  | { none: string }

const json = (schema: z.ZodType, list?: string): JsonOutput => ({ schema, ...(list ? { list } : {}) })
/** A command with no `--json` document, and why. */
const noJsonOutput = (reason: string): JsonOutput => ({ none: reason })
const list = (item: z.ZodType) => json(z.object({ items: z.array(item) }))

/**
 * The document every bulk command streams (`orgs users add|remove`, `seats release`, `cloud
 * assign|revoke`, …): one result per input row (`row` is the line or element of the input), then
 * the summary; `incomplete` when a batch failed as a whole after earlier batches were applied.
 */
export const bulkDocument = z.object({
  dryRun: z.boolean(),
  results: z.array(bulkRowResult.extend({ row: z.number().int().min(1) })),
  summary: bulkSummary,
  incomplete: z.literal(true).optional(),
})

/** A bulk command's document: `--json a,b` selects fields of each result row. */
const bulk = json(bulkDocument, 'results')

const profileRow = z.object({
  name: z.string(),
  current: z.boolean(),
  url: z.string(),
  org: z.string().nullable(),
  hasToken: z.boolean(),
})

/**
 * A plugin as oclif describes it (`plugins --json`, `plugins inspect --json`, printed by
 * @oclif/plugin-plugins): the fields a script can rely on. The rest (the plugin's manifest, its
 * package.json, oclif's options) is oclif's own and passes through as it is.
 */
const oclifPlugin = z.looseObject({
  name: z.string(),
  version: z.string(),
  type: z.enum(['core', 'user', 'link', 'dev']),
  root: z.string(),
  commandIDs: z.array(z.string()),
})

export const jsonOutputs: Record<string, JsonOutput> = {
  'activations:activate': json(activateResponse),
  'activations:deactivate': json(deactivateResponse),
  'activations:entitlements': list(activationEntitlement),
  'activations:generate': json(activationSummary),
  'activations:list': list(activationSummary),
  /** The list, or with --clear the host and the orphans recorded as cleaned. */
  'activations:orphans': json(z.union([z.object({ items: z.array(orphan) }), clearOrphansResponse])),
  'activations:provision': json(activationEntitlement),
  'activations:rehost': json(rehostResponse),
  'activations:resize': json(resizeResponse),
  'activations:retire': json(retiredEntitlement),
  'activations:return': json(returnResponse),
  'activations:show': json(activationDetail),
  'activations:split': json(splitResponse),
  'activations:update': json(activationEntitlement),

  api: noJsonOutput('prints the API response body as it is (no --json flag)'),
  autocomplete: noJsonOutput('prints setup instructions for a shell'),
  'autocomplete:create': noJsonOutput('writes completion scripts into the cache directory'),
  'autocomplete:script': noJsonOutput('prints one line for the shell’s start-up file'),

  'cloud:assign': bulk,
  'cloud:assignments': list(addonAssignment),
  'cloud:check': json(entitlement),
  'cloud:list': list(addonPool),
  'cloud:provision': json(addonPool),
  'cloud:retire': json(retiredAddonPool),
  'cloud:revoke': bulk,
  'cloud:update': json(addonPool),

  'devices:add': bulk,
  'devices:assign': bulk,
  'devices:categories:add': json(category),
  'devices:categories:list': list(category),
  'devices:detach': bulk,
  'devices:keys:add': json(deviceKey),
  'devices:keys:issue': json(issuedKeys),
  'devices:keys:list': list(deviceKey),
  'devices:keys:retire': json(retiredKey),
  'devices:list': list(device),
  /** Rows are the unassigned licenses (`groups` counts them by category, term, days and last day to assign). */
  'devices:pool': json(pool, 'licenses'),
  'devices:remove': bulk,
  'devices:show': json(deviceDetail),
  'devices:transfer': json(transferResult),
  'expiry:check': json(expiryCheckOutput),
  explain: json(explanation),

  // With --all, --json streams NDJSON instead: one entry of this `items` schema a line.
  help: noJsonOutput('prints a help page'),

  'orgs:audit': json(
    z
      .object({ items: z.array(auditEntry) })
      .describe('without --all; with --all --json: NDJSON, one items[] entry a line'),
  ),
  'orgs:audit:show': json(auditEntryDetail),
  'orgs:audit:verify': json(auditVerification),
  'orgs:create': json(createOrgResponse),
  'orgs:list': list(organization),
  'orgs:login': json(
    z.object({
      profile: z.string(),
      url: z.string(),
      org: z.string().nullable(),
      kind: z.enum(['operator', 'user']),
      email: z.string().nullable(),
      role: role.nullable(),
      readOnly: z.boolean(),
    }),
  ),
  'orgs:logout': json(z.object({ removed: z.string(), current: z.string().nullable() })),
  'orgs:profiles': json(z.object({ path: z.string(), profiles: z.array(profileRow) }), 'profiles'),
  'orgs:show': json(organization),
  'orgs:update': json(orgUpdated),
  'orgs:use': json(z.object({ profile: z.string(), url: z.string(), org: z.string().nullable() })),
  'orgs:tokens:create': json(createdToken),
  'orgs:tokens:list': list(tokenInfo),
  'orgs:tokens:revoke': json(revokedToken),
  'orgs:users:add': bulk,
  'orgs:users:list': list(member),
  'orgs:users:remove': bulk,
  'orgs:users:set-role': json(roleChanged),

  plugins: json(
    z
      .array(oclifPlugin)
      .describe(
        'every plugin: licctl itself, the core plugins and those installed or linked (--core or not)',
      ),
  ),
  /** One entry per plugin named, with the version each dependency resolves to. */
  'plugins:inspect': json(
    z.array(
      oclifPlugin.extend({ deps: z.record(z.string(), z.object({ from: z.string(), version: z.string() })) }),
    ),
  ),
  'plugins:link': noJsonOutput('links a plugin; progress on stderr'),
  'plugins:reset': noJsonOutput('removes every plugin installed or linked, one line each'),
  'plugins:uninstall': noJsonOutput('removes plugins; progress on stderr'),
  'plugins:update': noJsonOutput('updates the plugins installed from the registry; progress on stderr'),

  'seats:checkin': json(checkinResponse),
  'seats:checkout': json(checkoutResponse),
  'seats:heartbeat': json(lease),
  'seats:list': list(lease),
  'seats:pools': list(seatPool),
  'seats:provision': json(seatPool),
  'seats:release': bulk,
  'seats:retire': json(retiredSeatPool),
  'seats:stuck': list(lease),
  'seats:update': json(seatPool),
  'seats:usage': list(userUsage),

  'server:backup': json(z.object({ db: z.string(), file: z.string(), pages: z.number().int() })),
  'server:init': json(
    z.object({
      operatorToken: z.string(),
      migrations: z.array(z.string()),
      db: z
        .string()
        .describe(
          'as --db takes it: the SQLite file’s absolute path, or the PostgreSQL URL (password masked)',
        ),
    }),
  ),
  'server:migrate': json(z.object({ applied: z.array(z.string()), current: z.string().nullable() })),
  'server:start': noJsonOutput('a long-running server: prints its URL, then logs JSON lines on stderr'),
}

/** The JSON Schema of one command's --json document (a schema matching nothing when it has none). */
export function jsonSchemaOf(output: JsonOutput): Record<string, unknown> {
  if ('none' in output) return { description: `no --json output: ${output.none}`, not: {} }
  return z.toJSONSchema(output.schema, { io: 'output', unrepresentable: 'any' }) as Record<string, unknown>
}

/** Every registered command's JSON Schema, keyed by command id in sorted order (the snapshot). */
export function jsonSchemaSnapshot(
  registry: Record<string, JsonOutput> = jsonOutputs,
): Record<string, Record<string, unknown>> {
  return Object.fromEntries(
    Object.keys(registry)
      .sort()
      .map((id) => [id, jsonSchemaOf(registry[id]!)]),
  )
}
