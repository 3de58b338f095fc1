#!/usr/bin/env bun
/**
 * @module main
 * The single entry point: `fastagent [serve|demo|call] [flags]`. The only file with process-level side effects
 * (exit codes, signals). Exit codes: 0 ok, 1 runtime failure, 2 bad usage, 78 bad configuration.
 */
import pkg from '../package.json'
import { parseArgs, usage, type CommandSpec } from './cli/args'
import { environmentHelp } from './cli/env-help'
import { runServe } from './cli/serve'

export const VERSION: string = pkg.version

const COMMANDS: Record<string, CommandSpec> = {
  serve: { doc: 'run the bot server (default)', flags: {} },
}

async function main(argv: readonly string[]): Promise<number> {
  const parsed = parseArgs(argv, COMMANDS, 'serve')
  switch (parsed.kind) {
    case 'version':
      process.stdout.write(`fastagent ${VERSION}\n`)
      return 0
    case 'help':
      process.stdout.write(usage('fastagent', VERSION, COMMANDS, parsed.command) + (parsed.command ? '' : '\n\n' + environmentHelp()) + '\n')
      return 0
    case 'error':
      process.stderr.write(`fastagent: ${parsed.message}\n\n${usage('fastagent', VERSION, COMMANDS)}\n`)
      return 2
    case 'run':
      switch (parsed.command) {
        case 'serve':
          return runServe(process.env)
      }
      return 2
  }
}

// serve resolves only after its shutdown; every command ends the process with its status.
process.exit(await main(process.argv.slice(2)))
