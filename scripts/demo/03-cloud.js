// Demo of the `cloud` topic and the bulk engine: onboarding a department from an HR export. The
// operator provisions Cloud Processing; the admin adds the department's staff as members from a CSV,
// plans the assignment with a dry run (contractors in the export are not members yet: those rows
// would fail), applies it (exit 6: some rows failed, the rest applied), re-runs after an imagined
// network drop (nothing new, nothing twice), and checks entitlements the way a desktop app does.
// Runs after 01-orgs.js (alice is the admin, profile `acme`).
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { daysFromToday } from '../lib/dates.js'

const STAFF = 300
const CONTRACTORS = 5

/** @param {{ org: string, dir: string, section(t: string): void, say(t: string): void, cli: Function }} demo */
export async function run(demo) {
  const given = ['Ana', 'Ben', 'Chloé', 'Dev', 'Emma', 'Farid', 'Greta', 'Hiro', 'Ines', 'Jonas']
  const family = ['Okafor', 'Müller', 'Smith', 'García', 'Nguyen', "O'Brien", 'Kowalski', 'Rossi']
  const person = (i) => ({
    email: `survey${String(i).padStart(3, '0')}@acme.test`,
    // HR exports write "Family, Given": a quoted field with a comma in it.
    name: `${family[i % family.length]}, ${given[i % given.length]}`,
  })
  const staff = Array.from({ length: STAFF }, (_, i) => person(i))
  const contractors = Array.from({ length: CONTRACTORS }, (_, i) => ({
    email: `contractor${i + 1}@partner.test`,
    name: `Contractor, ${given[i]}`,
  }))
  const csv = (rows, withType) =>
    '\uFEFF' + // spreadsheet programs start a UTF-8 export with a BOM, and end lines with CRLF
    (withType ? 'Employee Type,Name,Email\r\n' : 'Name,Email\r\n') +
    rows
      .map(
        (r) =>
          `${withType ? (r.email.includes('contractor') ? 'Contractor,' : 'Staff,') : ''}"${r.name}",${r.email}\r\n`,
      )
      .join('')
  const staffFile = join(demo.dir, 'survey-staff.csv')
  const exportFile = join(demo.dir, 'survey-department.csv')
  writeFileSync(staffFile, csv(staff, false))
  // The contractors come last in the export, so the demo's trimmed output shows their rows.
  writeFileSync(exportFile, csv([...staff, ...contractors], true))

  demo.section('Cloud add-ons: the operator provisions Cloud Processing')
  await demo.cli(
    [
      'cloud',
      'provision',
      'cloud-processing',
      '--name',
      'Cloud Processing',
      '--total',
      '320',
      '--expires',
      daysFromToday(365),
    ],
    { as: 'operator' },
  )

  demo.section(`Onboarding the survey department (${STAFF} people) from an HR export`)
  demo.say(`The export is a spreadsheet's CSV: a BOM, CRLF line ends, names like "Okafor, Ana" quoted.`)
  demo.say('First the staff become members of the organization (one command, batches of up to 1,000):')
  await demo.cli(['orgs', 'users', 'add', '--file', staffFile])
  demo.say('Plan the assignment first: a dry run is computed by the server with the code that applies it.')
  demo.say(
    `The export also lists ${CONTRACTORS} contractors who are not members yet: their rows would fail (exit 6).`,
  )
  await demo.cli(['cloud', 'assign', 'cloud-processing', '--file', exportFile, '--dry-run'], {
    expectExit: 6,
  })
  await demo.cli(['cloud', 'list'])
  demo.say('Nothing changed. Apply it: failing rows never stop the others.')
  await demo.cli(['cloud', 'assign', 'cloud-processing', '--file', exportFile], { expectExit: 6 })

  demo.say('The contractors join as members; the same command, run again, assigns just them:')
  await demo.cli(['orgs', 'users', 'add', ...contractors.map((c) => c.email)])
  await demo.cli(['cloud', 'assign', 'cloud-processing', '--file', exportFile])

  demo.section('The network dropped mid-job? Re-run the same command')
  demo.say('Every row is already so: nothing is assigned twice, nothing is lost, exit 0.')
  const rerun = await demo.cli(['cloud', 'assign', 'cloud-processing', '--file', exportFile, '--json'], {
    quiet: true,
  })
  const { results, summary } = JSON.parse(rerun.stdout)
  demo.say(
    `--json gives every row's result (${results.length} here, e.g. ${JSON.stringify(results[0])}); the summary: ${JSON.stringify(summary)}.`,
  )
  await demo.cli(['cloud', 'list'])

  demo.section('A malformed file is refused whole, with row and column')
  const broken = join(demo.dir, 'broken.csv')
  writeFileSync(
    broken,
    'Name,Email\n"Okafor, Ana",survey000@acme.test\nSmith, Ben,survey001@acme.test\n"Rossi, Dev",not-an-email\n',
  )
  await demo.cli(['cloud', 'revoke', 'cloud-processing', '--file', broken], { expectExit: 2 })

  demo.section('Entitlement checks, as a desktop app makes them')
  await demo.cli(['cloud', 'check', 'cloud-processing', staff[7].email])
  demo.say(
    'alice, the admin, was never assigned it: refused with exit 3 and the message a desktop app shows (other licenses do not count).',
  )
  await demo.cli(['cloud', 'check', 'cloud-processing', 'alice@acme.test'], { expectExit: 3 })
  await demo.cli(['cloud', 'check', 'cloud-processing', 'alice@acme.test', '--json'], { expectExit: 3 })
  demo.say('Revoking frees the license at once; the check then fails for that user too.')
  await demo.cli(['cloud', 'revoke', 'cloud-processing', staff[7].email])
  await demo.cli(['cloud', 'check', 'cloud-processing', staff[7].email], { expectExit: 3 })
  await demo.cli(['cloud', 'assignments', '--user', staff[8].email])
}
