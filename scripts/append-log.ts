/**
 * @module scripts/append-log
 * Spawns a process whose stdout and stderr are APPENDED to `log` and `log.err`. Why not `Bun.file(log)`: Bun.spawn
 * writes such a file from offset 0 without truncating it, so a server restarted onto the same log overwrites its
 * earlier run's lines piece by piece — a test that counts log lines across a restart (or reads a crash's last lines)
 * sees them vanish at a moment that depends on how fast the new run logs.
 */
import { closeSync, openSync } from 'node:fs'

export function spawnAppendingLog(cmd: string[], log: string, opts: { readonly cwd?: string; readonly env?: Record<string, string | undefined> } = {}): ReturnType<typeof Bun.spawn> {
  const out = openSync(log, 'a')
  const err = openSync(`${log}.err`, 'a')
  try {
    return Bun.spawn(cmd, { ...opts, stdout: out, stderr: err })
  } finally {
    // The child has its own copies of the descriptors.
    closeSync(out)
    closeSync(err)
  }
}
