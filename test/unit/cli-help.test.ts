import { strict as assert } from 'node:assert'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { Config } from '@oclif/core'
import { ROOT } from '../helpers/e2e.js'
import { spawnProcessSync } from '../helpers/spawn.js'

/**
 * Help is part of the product: every command explains itself, and the README says the same. "Every
 * command" is every command oclif loads (Config.load): licctl's own, and those of the core plugins
 * in package.json (help, autocomplete, plugins), which licctl's own commands of the same id
 * override (src/commands/help.ts, src/commands/plugins/, src/commands/autocomplete/). Plugins a user
 * installed or linked are theirs to document: they are not loaded here.
 */
describe('cli help: every command documented, the README current', function () {
  it('every command oclif loads, core plugins’ included, has a description, help for each flag and argument, and at least two examples', async () => {
    const config = await Config.load({ root: ROOT, userPlugins: false })
    const missing: string[] = []
    // config.commands has an entry per alias too (`plugins unlink`): each is checked as it is shown.
    for (const cmd of config.commands) {
      const id = cmd.id
      if (!cmd.summary && !cmd.description) missing.push(`${id}: no description`)
      if ((cmd.examples ?? []).length < 2)
        missing.push(`${id} (${cmd.pluginName}): ${(cmd.examples ?? []).length} example(s)`)
      for (const [name, flag] of Object.entries(cmd.flags ?? {}))
        if (!flag.hidden && !flag.summary && !flag.description) missing.push(`${id}: --${name} has no help`)
      for (const [name, arg] of Object.entries(cmd.args ?? {}))
        if (!arg.description) missing.push(`${id}: argument ${name} has no help`)
    }
    const plugins = new Set(config.commands.map((c) => c.pluginName))
    for (const name of ['licctl', ...(config.pjson.oclif.plugins ?? [])])
      assert.ok(plugins.has(name) || config.plugins.has(name), `${name} is loaded`)
    assert.ok(config.commands.length >= 30)
    assert.deepEqual(missing, [])
  })

  it('every example of operator-only work names the operator’s profile, so it works as written beside an admin profile', async () => {
    const [{ endpointList }, ...tables] = await Promise.all([
      import('../../src/contract/endpoint.js'),
      import('../../src/contract/activations.js').then((m) => m.activationEndpoints),
      import('../../src/contract/cloud.js').then((m) => m.cloudEndpoints),
      import('../../src/contract/devices.js').then((m) => m.devicesEndpoints),
      import('../../src/contract/orgs.js').then((m) => m.orgsEndpoints),
      import('../../src/contract/seats.js').then((m) => m.seatsEndpoints),
      import('../../src/contract/tokens.js').then((m) => m.tokensEndpoints),
      import('../../src/contract/users.js').then((m) => m.usersEndpoints),
    ])
    // `devices.categoriesAdd` is `devices categories add`.
    const operatorOnly = tables
      .flatMap((table) => endpointList(table))
      .filter((e) => e.access === 'operator')
      .map((e) => e.operationId.replace(/\./g, ':').replace(/[A-Z]/g, (c) => `:${c.toLowerCase()}`))
    const config = await Config.load({ root: ROOT, userPlugins: false })
    const commands = operatorOnly.map((id) => config.findCommand(id))
    assert.deepEqual(
      commands.map((c, i) => c?.id ?? `missing ${operatorOnly[i]}`),
      operatorOnly,
    )
    const unnamed = commands.flatMap((c) =>
      (c!.examples ?? [])
        .map((e) => (typeof e === 'string' ? e : e.command))
        .filter((e) => !/ --profile operator\b/.test(e))
        .map((e) => `${c!.id}: ${e}`),
    )
    assert.ok(operatorOnly.length >= 9, operatorOnly.join(', '))
    assert.deepEqual(unnamed, [])
  })

  it('a flag read from an environment variable says so once: oclif prints `[env: X]`, its help does not repeat it', async () => {
    const config = await Config.load({ root: ROOT, userPlugins: false })
    const repeated: string[] = []
    for (const cmd of config.commands)
      for (const [name, flag] of Object.entries(cmd.flags ?? {})) {
        const env = (flag as { env?: string }).env
        const help = `${flag.summary ?? ''} ${flag.description ?? ''}`
        if (env && help.includes(env)) repeated.push(`${cmd.id}: --${name}`)
      }
    assert.deepEqual(repeated, [])
  })

  it('licctl’s help and plugins commands win over the core plugins’ and declare the same arguments, flags and aliases', async () => {
    const config = await Config.load({ root: ROOT, userPlugins: false })
    type Ref = { plugin: string; id: string }
    const ours = config.commands.filter(
      (c) =>
        c.pluginName === 'licctl' &&
        (c as { pluginCommand?: Ref }).pluginCommand &&
        !c.aliases.includes(c.id),
    )
    // What oclif parses (the plugin's command parses the arguments; ours only show them in help).
    const surface = (c: (typeof config.commands)[number]) => ({
      aliases: [...(c.aliases ?? [])].sort(),
      hiddenAliases: [...(c.hiddenAliases ?? [])].sort(),
      strict: c.strict !== false,
      json: Boolean(c.enableJsonFlag),
      args: Object.fromEntries(
        Object.entries(c.args ?? {}).map(([name, a]) => [
          name,
          { required: Boolean(a.required), default: a.default, options: a.options },
        ]),
      ),
      flags: Object.fromEntries(
        Object.entries(c.flags ?? {}).map(([name, f]) => [
          name,
          {
            type: f.type,
            char: f.char,
            hidden: Boolean(f.hidden),
            required: Boolean(f.required),
            allowNo: f.type === 'boolean' ? Boolean(f.allowNo) : undefined,
            options: f.type === 'option' ? f.options : undefined,
            multiple: f.type === 'option' ? Boolean(f.multiple) : undefined,
            default: f.default,
            exclusive: f.exclusive,
          },
        ]),
      ),
    })
    const shadowed: string[] = []
    for (const cmd of ours) {
      const ref = (cmd as { pluginCommand?: Ref }).pluginCommand!
      assert.equal(ref.id, cmd.id, `${cmd.id} runs the plugin command of its own id`)
      const plugin = config.plugins.get(ref.plugin)
      assert.ok(plugin, `${ref.plugin} is loaded`)
      const theirs = plugin.commands.find((c) => c.id === ref.id)
      assert.ok(theirs, `${ref.plugin} has ${ref.id}`)
      assert.deepEqual(surface(cmd), surface(theirs), `${cmd.id}: as ${ref.plugin} declares it`)
      for (const id of [cmd.id, ...cmd.aliases])
        assert.equal(config.findCommand(id)?.pluginName, 'licctl', `${id} is licctl’s`)
      shadowed.push(cmd.id)
    }
    assert.deepEqual(shadowed.sort(), [
      'help',
      'plugins',
      'plugins:inspect',
      'plugins:link',
      'plugins:reset',
      'plugins:uninstall',
      'plugins:update',
    ])
  })

  it('the README command reference is what `npm run readme` generates now', function () {
    this.timeout(120_000)
    const res = spawnProcessSync(
      'npx',
      ['oclif', 'readme', '--no-aliases', '--no-source-links', '--dry-run'],
      {
        cwd: ROOT,
      },
    )
    assert.equal(res.status, 0, res.stderr)
    const generated = res.stdout
      .split('\n')
      .filter((l) => !/^replacing <!-- \w+ --> in /.test(l))
      .join('\n')
      .trimEnd()
    const committed = readFileSync(join(ROOT, 'README.md'), 'utf8').trimEnd()
    assert.ok(
      generated === committed,
      'README.md is stale: run `npm run build && npm run readme` and commit it',
    )
  })
})
