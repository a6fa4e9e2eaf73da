import { accessSync, constants, mkdirSync } from 'node:fs'
import { userInfo } from 'node:os'
import { resolve } from 'node:path'

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
