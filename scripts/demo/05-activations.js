// Demo of the `activations` topic: node-locked (NL) and concurrent (CC) activation IDs, and the two
// kinds of return. The operator records what Acme bought; alice (the admin) generates an NL and a CC
// ID; machines activate them; a workstation deactivates and the seat is reused elsewhere; the portal
// return refuses NL IDs and guards against orphaning hosts; a dead workstation is rehosted; unused
// seats are split off; a CC ID is resized in the safe order. Runs after 01-orgs.js (profile `acme`).

import { daysFromToday } from '../lib/dates.js'

/** @param {{ section(t: string): void, say(t: string): void, cli: Function }} demo */
export async function run(demo) {
  const idOf = (res) => JSON.parse(res.stdout).id
  const expires = daysFromToday(365)

  demo.section('Activation IDs: the operator records what Acme bought')
  await demo.cli(
    ['activations', 'provision', 'cad-desk', '--type', 'NL', '--seats', '10', '--expires', expires],
    { as: 'operator' },
  )
  await demo.cli(
    ['activations', 'provision', 'sim-server', '--type', 'CC', '--seats', '40', '--expires', expires],
    { as: 'operator' },
  )

  demo.section('The admin generates an NL and a CC ID from the free seats')
  const nl = idOf(
    await demo.cli(['activations', 'generate', 'cad-desk', '--quantity', '3', '--json'], { quiet: true }),
  )
  demo.say(`NL ID (3 workstations, one seat each): ${nl}`)
  await demo.cli(['activations', 'generate', 'sim-server', '--quantity', '12'])
  const cc = JSON.parse(
    (await demo.cli(['activations', 'list', '--product', 'sim-server', '--json'], { quiet: true })).stdout,
  ).items[0].id
  demo.say('More than the free seats is refused (exit 3):')
  await demo.cli(['activations', 'generate', 'cad-desk', '--quantity', '8'], { expectExit: 3 })

  demo.section('On the machines: activate')
  await demo.cli(['activations', 'activate', nl, '--host', 'ws-01'])
  await demo.cli(['activations', 'activate', nl, '--host', 'ws-02'])
  demo.say('A node-locked ID takes one seat per host:')
  await demo.cli(['activations', 'activate', nl, '--host', 'ws-03', '--seats', '2'], { expectExit: 3 })
  await demo.cli(['activations', 'activate', cc, '--host', 'lic-a', '--seats', '8'])
  await demo.cli(['activations', 'activate', cc, '--host', 'lic-b', '--seats', '4'])
  demo.say('The CC ID is full: a third license server is refused.')
  await demo.cli(['activations', 'activate', cc, '--host', 'lic-c', '--seats', '1'], { expectExit: 3 })

  demo.section('Deactivate on one host, reactivate on another: the ID stays valid')
  await demo.cli(['activations', 'deactivate', nl, '--host', 'ws-02'])
  await demo.cli(['activations', 'activate', nl, '--host', 'ws-07'])
  await demo.cli(['activations', 'show', nl])

  demo.section('The portal return: CC only, and never orphaning hosts by accident')
  demo.say('An NL ID cannot be returned on the portal; the advice is to deactivate it on the host:')
  await demo.cli(['activations', 'return', nl, '--yes'], { expectExit: 3 })
  demo.say('Two license servers still hold the CC ID: the return lists them and refuses (exit 3).')
  await demo.cli(['activations', 'return', cc, '--yes'], { expectExit: 3 })
  demo.say(
    'lic-b is reachable: deactivate there first. lic-a is not: force the return, it becomes an orphan.',
  )
  await demo.cli(['activations', 'deactivate', cc, '--host', 'lic-b'])
  await demo.cli(['activations', 'return', cc, '--force', '--yes'])
  await demo.cli(['activations', 'entitlements'])

  demo.section('A workstation died with a license on it: rehost')
  await demo.cli(['activations', 'rehost', nl, '--from', 'ws-01', '--to', 'ws-08'])
  await demo.cli(['activations', 'orphans'])
  demo.say('Once lic-a has been wiped, record it:')
  await demo.cli(['activations', 'orphans', '--clear', 'lic-a'])

  demo.section('Split unused seats off an ID')
  const big = idOf(
    await demo.cli(['activations', 'generate', 'sim-server', '--quantity', '20', '--json'], { quiet: true }),
  )
  await demo.cli(['activations', 'activate', big, '--host', 'lic-d', '--seats', '15'])
  await demo.cli(['activations', 'split', big, '--quantity', '6'], { expectExit: 3 })
  await demo.cli(['activations', 'split', big, '--quantity', '5'])

  demo.section('Resize: the plan in the safe order, carried out only when no host is left behind')
  await demo.cli(['activations', 'resize', big, '--quantity', '25', '--yes'], { expectExit: 3 })
  demo.say('Step 1 of the plan, on the license server; then the same command carries out steps 2 and 3:')
  await demo.cli(['activations', 'deactivate', big, '--host', 'lic-d'])
  await demo.cli(['activations', 'resize', big, '--quantity', '25', '--yes'])
  await demo.cli(['activations', 'list'])
  await demo.cli(['activations', 'entitlements'])
}
