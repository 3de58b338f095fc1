/**
 * @module config/database-path
 * Checks DATABASE_PATH before anything is created: an existing path must be a regular, writable file in a writable
 * folder (SQLite's WAL puts `-wal` and `-shm` files beside it); a new path must be creatable (its nearest existing
 * ancestor is a writable folder). Nothing is created here. A file with no write permission bit at all counts as
 * read-only even for root: the operator marked it so.
 */
import { accessSync, constants, statSync, type Stats } from 'node:fs'
import { dirname, resolve } from 'node:path'
import type { ConfigProblem } from './load'
import { fileErrorReason } from './file-errors'

const problem = (reason: string): ConfigProblem[] => [{ variable: 'DATABASE_PATH', reason }]

function statOrUndefined(path: string): Stats | undefined {
  try {
    return statSync(path)
  } catch (err) {
    const code = (err as { code?: unknown }).code
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined
    throw err
  }
}

function writable(path: string): boolean {
  try {
    accessSync(path, constants.W_OK)
    return true
  } catch {
    return false
  }
}

export function checkDatabasePath(path: string): ConfigProblem[] {
  if (path === ':memory:') return []
  const full = resolve(path)
  try {
    const st = statOrUndefined(full)
    if (st !== undefined) {
      if (st.isDirectory()) return problem(`is a directory (${full}); give a file path such as ${full.replace(/\/+$/, '')}/fastagent.db`)
      if (!st.isFile()) return problem(`is not a regular file (${full})`)
      if ((st.mode & 0o222) === 0 || !writable(full)) return problem(`is read-only (${full}); FastAgent writes to its database`)
      const dir = dirname(full)
      if (!writable(dir)) return problem(`is in a read-only folder (${dir}); SQLite creates ${full}-wal beside it`)
      return []
    }
    // Not there yet: it will be created with its folders. The nearest existing ancestor must be a writable folder.
    let ancestor = dirname(full)
    for (;;) {
      const a = statOrUndefined(ancestor)
      if (a !== undefined) {
        if (!a.isDirectory()) return problem(`cannot be created: ${ancestor} is a file, not a folder`)
        if (!writable(ancestor)) return problem(`cannot be created: the folder ${ancestor} is not writable`)
        return []
      }
      const up = dirname(ancestor)
      if (up === ancestor) return problem(`cannot be created (${full})`)
      ancestor = up
    }
  } catch (err) {
    return problem(`cannot be used: ${fileErrorReason(err, full)}`)
  }
}
