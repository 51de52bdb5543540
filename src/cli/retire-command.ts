import { Args, type Command } from '@oclif/core'
import type { LicctlClient } from '../client/index.js'
import { ApiCommand } from './base-command.js'
import { retiredLine } from './retired.js'

/** What the server answers a retire with, as the human line reads it (retiredLine). */
type Retired = Parameters<typeof retiredLine>[1]

/** The one argument of a retire command: what to retire (a product, an add-on key). */
export function retireArg(description: string) {
  return Args.string({ description, required: true })
}

/** A retire command's examples: retire `key`, then the same for another organization under --json. */
export function retireExamples(topic: string, key: string): string[] {
  const line = `<%= config.bin %> ${topic} retire ${key}`
  return [line, `${line} --org acme --json`]
}

/**
 * `seats retire`, `cloud retire` and `activations retire`: the same run (one request, one line
 * saying what was retired or that it already was, the answer as the --json document). Each command
 * keeps its texts and argument, and says which client method retires and what the line names.
 */
export abstract class RetireCommand<T extends typeof Command, R extends Retired> extends ApiCommand<T> {
  /**
   * Inherited already, and said again on purpose: oclif's manifest (cacheCommand's mergePrototype)
   * reads a command's inherited statics only through base classes that each have one of their own,
   * so without it the manifest lost `enableJsonFlag` of BaseCommand.
   */
  static override enableJsonFlag = true

  /** Retires what the argument names, through the topic's client method. */
  protected abstract retire(client: LicctlClient, org: string): Promise<R>

  /** What the line names (`seat pool 'cad-pro'`). */
  protected abstract thing(retired: R): string

  /** What left the check with it (an entitlement's activation IDs), and how many things that is. */
  protected alsoRetired(_retired: R): { text: string; count: number } | undefined {
    return undefined
  }

  async run(): Promise<R> {
    const client = await this.client()
    const retired = await this.retire(client, await this.org())
    this.say(retiredLine(this.thing(retired), retired, this.alsoRetired(retired)))
    return retired
  }
}
