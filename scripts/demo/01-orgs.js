// Demo of the `orgs` topic and `licctl api`. scripts/demo.js has already started a server, logged the
// operator in (profile `operator`) and the admin alice@acme.test (profile `acme`, current).
// Tokens appear only where a command creates one; the demo keeps the ones it needs in variables.

/** @param {{ org: string, section(t: string): void, say(t: string): void, cli: Function }} demo */
export async function run(demo) {
  const tokenIn = (stdout) => /^Token\s+(lic_u_\S+)$/m.exec(stdout)?.[1]
  const idIn = (stdout) => /^Id\s+(tok_\S+)$/m.exec(stdout)?.[1]

  demo.section('Organizations: list, show, update')
  await demo.cli(['orgs', 'list'], { as: 'operator' })
  await demo.cli(['orgs', 'show'])
  await demo.cli([
    'orgs',
    'update',
    '--contact-email',
    'licensing@acme.test',
    '--contact-phone',
    '+49 30 1234567',
    '--contact-address',
    'Hauptstrasse 1, 10115 Berlin',
  ])
  await demo.cli(['orgs', 'show', '--json'])

  demo.section('Users: add, list, set-role')
  await demo.cli(['orgs', 'users', 'add', 'bob@acme.test', 'carol@acme.test', 'dave@acme.test'])
  demo.say('The last admin cannot be demoted (exit 3): another member must be made admin first.')
  await demo.cli(['orgs', 'users', 'set-role', 'alice@acme.test', 'member'], { expectExit: 3 })
  await demo.cli(['orgs', 'users', 'set-role', 'carol@acme.test', 'admin'])
  await demo.cli(['orgs', 'users', 'list'])
  await demo.cli(['orgs', 'users', 'list', '--role', 'admin', '--json'])

  demo.section('Tokens: create (shown once), list (never the secret), revoke')
  demo.say('A read-only token for CI, valid 90 days. It is printed once, with a warning on stderr:')
  const ci = await demo.cli(['orgs', 'tokens', 'create', '--read-only', '--name', 'ci', '--expires', '90d'])
  const ciToken = tokenIn(ci.stdout)
  const ciId = idIn(ci.stdout)
  demo.say('An admin creates a token for a member (bob); the demo hands it to bob without showing it:')
  const forBob = await demo.cli(
    ['orgs', 'tokens', 'create', '--user', 'bob@acme.test', '--name', 'bob laptop', '--json'],
    { quiet: true },
  )
  const bobToken = JSON.parse(forBob.stdout).token
  await demo.cli(['orgs', 'tokens', 'list'])

  demo.section('What members and read-only tokens may not do (exit 4)')
  await demo.cli(['orgs', 'users', 'add', 'eve@acme.test'], { as: bobToken, expectExit: 4 })
  demo.say('The same refusal with --json: one JSON error on stderr, nothing on stdout, same exit code.')
  await demo.cli(['orgs', 'users', 'add', 'eve@acme.test', '--json'], { as: bobToken, expectExit: 4 })
  await demo.cli(['orgs', 'users', 'list', '--role', 'admin'], { as: ciToken })
  await demo.cli(['orgs', 'update', '--name', 'CI was here'], { as: ciToken, expectExit: 4 })
  demo.say('An unknown organization is exit 5; a bad flag exit 2:')
  await demo.cli(['orgs', 'show', 'nope'], { as: 'operator', expectExit: 5 })
  await demo.cli(['orgs', 'list', '--bogus'], { expectExit: 2 })

  demo.say('Destructive commands need --yes off a terminal (exit 2 without it):')
  await demo.cli(['orgs', 'tokens', 'revoke', ciId], { expectExit: 2 })
  await demo.cli(['orgs', 'tokens', 'revoke', ciId, '--yes'])
  await demo.cli(['orgs', 'show'], { as: ciToken, expectExit: 4 })

  demo.section('Removing a member revokes their tokens, in the same transaction')
  await demo.cli(['orgs', 'users', 'remove', 'dave@acme.test', 'bob@acme.test', '--dry-run'])
  await demo.cli(['orgs', 'users', 'remove', 'bob@acme.test', '--yes'])
  await demo.cli(['orgs', 'show'], { as: bobToken, expectExit: 4 })

  demo.section('Profiles: one per organization, tokens never shown')
  await demo.cli(['orgs', 'profiles'])
  await demo.cli(['orgs', 'use', 'operator'])
  await demo.cli(['orgs', 'list'])
  await demo.cli(['orgs', 'show', '--org', 'acme'])
  demo.say('Logging out forgets the profile (the token stays valid on the server); log back in from stdin:')
  await demo.cli(['orgs', 'logout', 'operator'])
  await demo.cli(['orgs', 'login', '--url', demo.url, '--with-token'], { input: demo.operatorToken })
  await demo.cli(['orgs', 'use', demo.org])
  await demo.cli(['orgs', 'profiles'])

  demo.section('Audit log: who changed what, before → after')
  await demo.cli(['orgs', 'audit', '--limit', '12'])
  await demo.cli(['orgs', 'audit', '--action', 'token.', '--since', '1h'])

  demo.section('licctl api: raw requests with the profile’s server and token')
  await demo.cli(['api', '/me'])
  await demo.cli(['api', '-X', 'PATCH', '/orgs/acme', '-f', 'name=Acme Surveying GmbH'])
  await demo.cli(['api', '-X', 'GET', '/orgs/acme/audit', '-f', 'action=org.update', '-F', 'limit=1'])
  await demo.cli(['api', '/orgs/nope'], { as: 'operator', expectExit: 5 })
}
