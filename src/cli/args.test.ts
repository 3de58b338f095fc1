import { describe, expect, test } from 'bun:test'
import { parseArgs, type CommandSpec } from './args'

const commands: Record<string, CommandSpec> = {
  serve: { doc: 'serve', flags: {} },
  call: {
    doc: 'call',
    flags: { url: { type: 'string', doc: 'url' }, say: { type: 'string', multiple: true, doc: 'say' }, verbose: { type: 'boolean', doc: 'v' } },
  },
}

describe('parseArgs', () => {
  test('serve is the default', () => expect(parseArgs([], commands, 'serve')).toEqual({ kind: 'run', command: 'serve', flags: {} }))
  test('help and version', () => {
    expect(parseArgs(['--help'], commands, 'serve').kind).toBe('help')
    expect(parseArgs(['-v'], commands, 'serve').kind).toBe('version')
    expect(parseArgs(['call', '--help'], commands, 'serve')).toEqual({ kind: 'help', command: 'call' })
  })
  test('flags: value forms, repeatable, boolean', () => {
    expect(parseArgs(['call', '--url=ws://x', '--say', 'hi', '--say', 'there', '--verbose'], commands, 'serve')).toEqual({
      kind: 'run',
      command: 'call',
      flags: { url: 'ws://x', say: ['hi', 'there'], verbose: true },
    })
  })
  test.each([[['nope']], [['--nope']], [['call', '--url']], [['call', 'stray']], [['call', '--verbose=1']], [['call', '--url', 'a', '--url', 'b']], [['--version', 'x']]])(
    'usage errors: %p',
    (argv) => expect(parseArgs(argv, commands, 'serve').kind).toBe('error'),
  )
})
