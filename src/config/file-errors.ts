/**
 * @module config/file-errors
 * A file system error as an operator reads it: "… does not exist", "… is a directory", "permission denied", never a
 * stack trace.
 */
export function fileErrorReason(err: unknown, path: string): string {
  const code = typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : ''
  switch (code) {
    case 'ENOENT':
      return `${path} does not exist`
    case 'EISDIR':
      return `${path} is a directory, not a file`
    case 'EACCES':
    case 'EPERM':
      return `${path}: permission denied`
    case 'ENOTDIR':
      return `a part of ${path} is a file, not a folder`
    case 'EROFS':
      return `${path} is on a read-only file system`
    default:
      return `${path}: ${err instanceof Error ? err.message : String(err)}`
  }
}
