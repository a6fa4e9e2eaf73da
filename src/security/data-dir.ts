import { accessSync, closeSync, constants, mkdirSync, openSync, readdirSync, statSync } from 'node:fs'
import { userInfo } from 'node:os'
import { join, resolve } from 'node:path'

/**
 * DATA_DIR holds password hashes and encrypted keys (the SQLite files), the secrets that decrypt them and unbilled
 * usage (the journal): only the gateway's own user may read it. New files and the folder are created private;
 * files an operator made looser are reported at start-up, not changed behind their back.
 */

/** Files in DATA_DIR that must be private, when they exist (and the usage write-ahead log's segments). */
export const PRIVATE_FILES = ['tollgate.db', 'tollgate.db-wal', 'tollgate.db-shm', '.crypto-secret', '.session-secret', 'usage-journal.jsonl']

/** Create DATA_DIR as 0700 when missing; return one warning per existing path that group or others can read. */
export function secureDataDir(dataDir: string): string[] {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 })
  const warnings: string[] = []
  const dirMode = statSync(dataDir).mode & 0o777
  if (dirMode & 0o077) warnings.push(`${dataDir} is mode ${dirMode.toString(8)}: other users may list it; chmod 700 it`)
  const logs = readdirSync(dataDir).filter((name) => /^usage-wal(-\d+)?\.\d+\.jsonl$/.test(name))
  for (const name of [...PRIVATE_FILES, ...logs]) {
    const mode = statSync(join(dataDir, name), { throwIfNoEntry: false })?.mode
    if (mode !== undefined && mode & 0o077) warnings.push(`${join(dataDir, name)} is mode ${(mode & 0o777).toString(8)}: other users may read it; chmod 600 it`)
  }
  return warnings
}

/** Create `path` empty and 0600 unless it exists (SQLite gives its -wal and -shm files the database file's mode). */
export function createPrivateFile(path: string): void {
  closeSync(openSync(path, 'a', 0o600))
}

/**
 * DATA_DIR must exist and be writable before anything opens a file in it. A binary or image started with a
 * folder it cannot write would otherwise die on a bare EACCES from deep inside SQLite or the secret files; this
 * says which folder and which user, once, at start-up.
 */
export function checkDataDir(dataDir: string): string | undefined {
  const folder = resolve(dataDir)
  try {
    mkdirSync(folder, { recursive: true, mode: 0o700 })
    accessSync(folder, constants.W_OK | constants.X_OK)
    return undefined
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException
    let user = `uid ${process.getuid?.() ?? '?'}`
    try {
      const { username } = userInfo()
      if (username && username !== 'unknown') user = `user ${username} (${user})`
    } catch { /* no passwd entry (a container's arbitrary uid): the uid alone */ }
    return `DATA_DIR ${folder} cannot be written by ${user}: ${code ?? message}. Create it and give it to this user (chown), or set DATA_DIR to a folder this user can write.`
  }
}
