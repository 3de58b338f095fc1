#!/usr/bin/env bun
/**
 * @module main
 * The single entry point: `fastagent [serve|demo|call] [flags]`. The only file with process-level side effects
 * (exit codes, signals). Exit codes: 0 ok, 1 runtime failure, 2 bad usage, 78 bad configuration.
 */
import pkg from '../package.json'
import { parseArgs, usage, type CommandSpec } from './cli/args'
import { environmentHelp } from './cli/env-help'
// Commands are imported when chosen: `--version` and `--help` load nothing heavy, and `serve` does not pay for the
// simulators the demo and `call` use.

export const VERSION: string = pkg.version

const COMMANDS: Record<string, CommandSpec> = {
  serve: { doc: 'run the bot server (default)', flags: {} },
  demo: {
    doc: 'play the reference scenarios offline: the real server with simulated peers',
    flags: {
      scenario: { type: 'string', arg: 'booking|continuity|all', doc: 'which scenario (default all)' },
      verbose: { type: 'boolean', doc: 'also print the wire messages' },
      speech: { type: 'boolean', doc: 'real synthesized speech (flite + pocketsphinx) instead of tones (English only)' },
      language: { type: 'string', arg: 'en|de|es', doc: 'the language the business and the caller speak (default en)' },
      'no-color': { type: 'boolean', doc: 'no colours even on a terminal (so does a non-empty NO_COLOR)' },
    },
  },
  config: {
    doc: 'config check FILE|DIR: validate business files, print the effective configuration; config example: a commented example',
    flags: {},
  },
  call: {
    doc: 'call a running bot as VoiceAI Connect would (a deployed one too)',
    flags: {
      url: { type: 'string', arg: 'ws://host:port/audiocodes', doc: 'the bot URL (required)' },
      token: { type: 'string', doc: 'bearer token' },
      format: { type: 'string', arg: 'raw/lpcm16_24', doc: 'media format to offer' },
      say: { type: 'string', multiple: true, arg: 'text', doc: 'speak this (flite or espeak-ng)' },
      wav: { type: 'string', multiple: true, arg: 'file', doc: 'speak this WAV file' },
      out: { type: 'string', arg: 'dir', doc: "where to save the bot's audio (default ./recordings/<conversation>)" },
      verbose: { type: 'boolean', doc: 'print every message' },
    },
  },
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined)
const list = (v: unknown): string[] | undefined => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : undefined)

async function main(argv: readonly string[]): Promise<number> {
  // `config` takes words (check FILE), not flags.
  if (argv[0] === 'config') return (await import('./cli/config')).runConfig(argv.slice(1), { stdout: process.stdout, stderr: process.stderr })
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
          return (await import('./cli/serve')).runServe(process.env)
        case 'demo': {
          const f = parsed.flags
          const scenario = str(f.scenario)
          const language = str(f.language)
          const { runDemo } = await import('./cli/demo')
          return runDemo(
            { ...(scenario ? { scenario } : {}), ...(language !== undefined ? { language } : {}), verbose: f.verbose === true, speech: f.speech === true, 'no-color': f['no-color'] === true },
            { stdout: process.stdout, stderr: process.stderr, isTTY: process.stdout.isTTY === true, env: process.env },
          )
        }
        case 'config':
          return (await import('./cli/config')).runConfig([], { stdout: process.stdout, stderr: process.stderr })
        case 'call': {
          const f = parsed.flags
          const url = str(f.url)
          if (!url) {
            process.stderr.write('fastagent call: --url is required\n')
            return 2
          }
          const say = list(f.say)
          const wav = list(f.wav)
          const token = str(f.token)
          const format = str(f.format)
          const out = str(f.out)
          const { runCall } = await import('./cli/call')
          return runCall(
            { url, ...(token ? { token } : {}), ...(format ? { format } : {}), ...(say ? { say } : {}), ...(wav ? { wav } : {}), ...(out ? { out } : {}), verbose: f.verbose === true },
            { stdout: process.stdout, stderr: process.stderr },
          )
        }
      }
      return 2
  }
}

// serve resolves only after its shutdown; every command ends the process with its status.
process.exit(await main(process.argv.slice(2)))
