// Demo of the `devices` topic: a network admin licensing routers and access points. The operator
// defines the device categories and issues signed keys; the admin adds one with the license terms
// accepted (a mistyped copy is caught before any request), assigns by shortest and by longest term,
// stacks two licenses on one device, previews a detach (today against tomorrow) and detaches, and
// transfers unassigned licenses to a second organization she is admin of (a key some of whose
// licenses were used up here stays listed here).
// Runs after 01-orgs.js (alice is the admin, profile `acme`).

import { issueKeysArgs, issuedKeys } from '../lib/device-keys.js'

/** @param {{ org: string, url: string, section(t: string): void, say(t: string): void, cli: Function }} demo */
export async function run(demo) {
  demo.section('Device licenses: the operator defines categories and issues signed keys')
  await demo.cli(['devices', 'categories', 'add', 'router', '--models', 'R-1000,R-2000'], { as: 'operator' })
  await demo.cli(['devices', 'categories', 'add', 'access-point', '--models', 'AP-10,AP-20'], {
    as: 'operator',
  })
  const issue = async (category, term, count) => {
    const res = await demo.cli(issueKeysArgs({ category, term, count }), { as: 'operator', quiet: true })
    return issuedKeys(res.stdout)[0].key
  }
  const routers1y = await issue('router', '1y', 2)
  const routers5y = await issue('router', '5y', 2)
  const aps3y = await issue('access-point', '3y', 3)
  demo.say(`Keys are five groups of five characters, e.g. ${routers1y}: check characters, then a signed tag.`)

  demo.section('The admin adds the keys, with the license terms accepted')
  const typo = routers1y.slice(0, 8) + (routers1y[8] === 'X' ? 'Y' : 'X') + routers1y.slice(9)
  demo.say('A mistyped copy is caught on this machine, before any request, naming the group to re-check:')
  await demo.cli(['devices', 'keys', 'add', typo, '--accept-terms'], { expectExit: 2 })
  demo.say(
    'Off a terminal the terms must be accepted with --accept-terms (on a terminal they are shown and asked):',
  )
  await demo.cli(['devices', 'keys', 'add', routers1y], { expectExit: 3 })
  for (const key of [routers1y, routers5y, aps3y])
    await demo.cli(['devices', 'keys', 'add', key, '--accept-terms'])
  demo.say('A key is added once, ever:')
  await demo.cli(['devices', 'keys', 'add', routers1y, '--accept-terms'], { expectExit: 3 })
  await demo.cli(['devices', 'keys', 'list'])
  await demo.cli(['devices', 'pool'])

  demo.section('Devices: add them, then assign by shortest and by longest term')
  await demo.cli(['devices', 'add', 'R1000-0001', 'R1000-0002', '--model', 'R-1000', '--site', 'HQ'])
  await demo.cli(['devices', 'add', 'AP10-0001', '--model', 'AP-10', '--name', 'Lobby'])
  demo.say(
    'The organization prefers the shortest term (orgs update --device-preference); --prefer overrides it:',
  )
  await demo.cli(['devices', 'assign', 'R1000-0001'])
  await demo.cli(['devices', 'assign', 'R1000-0002', '--prefer', 'longest'])
  demo.say('Only licenses of the device’s category fit:')
  await demo.cli(
    ['devices', 'assign', 'AP10-0001', '--license', `${routers1y.replace(/-/g, '').slice(0, 12)}-2`],
    {
      expectExit: 3,
    },
  )

  demo.section('Stacking: two licenses on one device combine into one cumulative license')
  await demo.cli(['devices', 'assign', 'AP10-0001', '--count', '2', '--json'])
  await demo.cli(['devices', 'show', 'AP10-0001'])
  await demo.cli(['devices', 'list'])

  demo.section('Detach with the preview: what comes back today, and tomorrow')
  demo.say('Days used count the assignment day and today; today is rounded up and one more day deducted.')
  await demo.cli(['devices', 'detach', 'AP10-0001', '--dry-run'])
  demo.say('Destructive: off a terminal it needs --yes.')
  await demo.cli(['devices', 'detach', 'AP10-0001'], { expectExit: 2 })
  await demo.cli(['devices', 'detach', 'AP10-0001', '--yes', '--json'])
  demo.say('The remainder is back in the pool as ONE license, never the originals:')
  await demo.cli(['devices', 'pool'])

  demo.section('Transfer unassigned licenses to another organization alice is admin of')
  const created = await demo.cli(
    ['orgs', 'create', 'acme-labs', '--name', 'Acme Labs', '--admin-email', 'alice@acme.test', '--json'],
    { as: 'operator', quiet: true },
  )
  await demo.cli(['orgs', 'login', '--url', demo.url, '--org', 'acme-labs', '--with-token'], {
    input: JSON.parse(created.stdout).admin.token,
  })
  await demo.cli(['orgs', 'use', 'acme'])
  demo.say('A key with an assigned license is refused (the 5-year router key is on R1000-0002):')
  await demo.cli(['devices', 'transfer', '--to', 'acme-labs', '--key', routers5y], { expectExit: 3 })
  demo.say(
    'None of the access-point key’s licenses is assigned, but two were used up here by the detach: the key stays listed here with what its device used, and the refusal names the unassigned one, which moves by name.',
  )
  await demo.cli(['devices', 'transfer', '--to', 'acme-labs', '--key', aps3y], { expectExit: 3 })
  const pool = JSON.parse((await demo.cli(['devices', 'pool', '--json'], { quiet: true })).stdout)
  const apSerial = aps3y.replace(/-/g, '').slice(0, 12)
  const unused = pool.licenses.filter((l) => l.key === apSerial).map((l) => ['--license', l.name])
  await demo.cli(['devices', 'transfer', '--to', 'acme-labs', ...unused.flat()])
  demo.say('Single unassigned licenses move too, e.g. the one the detach returned:')
  const returned = pool.licenses.find((l) => l.term === 'returned')
  await demo.cli(['devices', 'transfer', '--to', 'acme-labs', '--license', returned.name])
  await demo.cli(['devices', 'pool', '--org', 'acme-labs'])
}
