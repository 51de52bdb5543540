// Demo of the `seats` topic: a stuck-seat story. The operator provisions a small desktop subscription
// with a short lease TTL; members check seats out from their hosts until the pool is full; one host
// "crashes" (stops sending heartbeats); support finds the stuck seat and frees it in two commands,
// and the waiting user gets their seat. Runs after 01-orgs.js (alice is the admin, profile `acme`).

import { daysFromToday } from '../lib/dates.js'

/** @param {{ org: string, section(t: string): void, say(t: string): void, cli: Function, sleep(ms: number): Promise<void> }} demo */
export async function run(demo) {
  const TTL_MS = 3000
  const expires = daysFromToday(365) // a date, as a contract has; one year from whenever the demo runs
  const people = ['erin', 'frank', 'grace', 'heidi'].map((n) => `${n}@acme.test`)
  const [erin, frank, grace, heidi] = people

  demo.section('Seats: the operator provisions a desktop subscription')
  demo.say(
    `3 seats of cad-pro, valid through ${expires}; a lease without a heartbeat for 3s is stale (a demo TTL: 15m by default).`,
  )
  await demo.cli(
    [
      'seats',
      'provision',
      'cad-pro',
      '--seats',
      '3',
      '--expires',
      expires,
      '--lease-ttl',
      '3s',
      '--max-roaming',
      '14d',
    ],
    { as: 'operator' },
  )
  await demo.cli(['orgs', 'users', 'add', ...people])
  demo.say('Each member gets a token for their desktop client (created by the admin, handed over unseen):')
  const token = {}
  for (const email of people) {
    const res = await demo.cli(['orgs', 'tokens', 'create', '--user', email, '--name', 'desktop', '--json'], {
      quiet: true,
    })
    token[email] = JSON.parse(res.stdout).token
  }

  demo.section('Members check seats out, as their desktop apps do')
  await demo.cli(['seats', 'checkout', 'cad-pro', '--host', 'ws-erin'], { as: token[erin] })
  await demo.cli(['seats', 'checkout', 'cad-pro', '--host', 'ws-frank'], { as: token[frank] })
  demo.say('grace borrows her seat for a site visit (roaming: offline, no heartbeats needed until it ends):')
  await demo.cli(['seats', 'checkout', 'cad-pro', '--host', 'laptop-grace', '--roam-until', '3d'], {
    as: token[grace],
  })
  demo.say('Checking out again on the same host returns the same lease (and refreshes its heartbeat):')
  await demo.cli(['seats', 'checkout', 'cad-pro', '--host', 'ws-frank', '--json'], { as: token[frank] })
  await demo.cli(['seats', 'pools'])

  demo.section('"I can\'t start the app, all seats are taken"')
  demo.say('heidi is refused with exit 3, and the message names who holds the seats:')
  await demo.cli(['seats', 'checkout', 'cad-pro', '--host', 'ws-heidi'], { as: token[heidi], expectExit: 3 })
  await demo.cli(['seats', 'checkout', 'cad-pro', '--host', 'ws-heidi', '--json'], {
    as: token[heidi],
    expectExit: 3,
  })

  demo.section('A host crashes: its seat is stuck')
  demo.say(
    `ws-erin stops sending heartbeats; frank's app keeps heartbeating. Waiting ${TTL_MS / 1000 + 0.5}s (longer than the TTL)…`,
  )
  await demo.sleep(TTL_MS + 500)
  const frankLease = JSON.parse(
    (await demo.cli(['seats', 'list', '--user', frank, '--json'], { quiet: true })).stdout,
  ).items[0].id
  await demo.cli(['seats', 'heartbeat', frankLease], { as: token[frank] })
  demo.say('Support triage: which seats are stuck, oldest first?')
  await demo.cli(['seats', 'stuck'])
  await demo.cli(['seats', 'list'])
  demo.say(
    'Releasing a lease that still heartbeats looks wrong: off a terminal it is refused without --yes (exit 2).',
  )
  await demo.cli(['seats', 'heartbeat', frankLease], { as: token[frank], quiet: true })
  await demo.cli(['seats', 'release', frankLease], { expectExit: 2 })
  demo.say('Free every stale seat (a lease that came back to life meanwhile would be left alone):')
  await demo.cli(['seats', 'release', '--stale', '--dry-run'])
  await demo.cli(['seats', 'release', '--stale', '--yes'])
  demo.say('heidi gets her seat at once:')
  const heidiLease = JSON.parse(
    (await demo.cli(['seats', 'checkout', 'cad-pro', '--host', 'ws-heidi', '--json'], { as: token[heidi] }))
      .stdout,
  ).id

  demo.section('Who really uses the seats?')
  await demo.cli(['seats', 'pools'])
  await demo.cli(['seats', 'usage'])
  demo.say('Roaming seats are released only when asked for (--include-roaming):')
  await demo.cli(['seats', 'release', '--user', grace, '--yes'], { expectExit: 3 })
  demo.say('Releasing never stops a user: erin checks out again once heidi checks in.')
  await demo.cli(['seats', 'checkin', heidiLease], { as: token[heidi] })
  await demo.cli(['seats', 'checkout', 'cad-pro', '--host', 'ws-erin'], { as: token[erin] })

  demo.section('Removing a member releases their seats in the same transaction')
  await demo.cli(['orgs', 'users', 'remove', frank, '--yes', '--json'])
  await demo.cli(['seats', 'pools', '--json'])

  demo.section('Every seat change is in the audit log, with the counts before and after')
  await demo.cli(['orgs', 'audit', '--action', 'seats.', '--limit', '8'])
}
