import { expect, test } from 'bun:test'
import { chmodSync, existsSync, readdirSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { loadConfig } from '../config.ts'
import { startServer } from '../server.ts'
import { temporaryDirectory } from '../testing/databases.ts'
import { checkDataDir, secureDataDir } from './data-dir.ts'

const modeOf = (path: string) => statSync(path).mode & 0o777

test('a fresh data directory is 0700 and the database, its WAL and the generated secrets are 0600', async () => {
  const parent = temporaryDirectory()
  const dataDir = join(parent.path, 'data')
  const lines: string[] = []
  const server = await startServer(loadConfig({ PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, INITIAL_ROOT_PASSWORD: 'root-password-for-tests' }), { log: (line) => lines.push(line) })
  try {
    // A write, so the WAL and shared-memory files exist.
    await fetch(`${server.url}/api/user/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'root', password: 'root-password-for-tests' }) })
    expect(modeOf(dataDir)).toBe(0o700)
    const segments = readdirSync(dataDir).filter((name) => name.startsWith('usage-wal.'))
    expect(segments.length).toBeGreaterThan(0)
    for (const name of ['tollgate.db', 'tollgate.db-wal', 'tollgate.db-shm', '.crypto-secret', '.session-secret', ...segments]) expect([name, modeOf(join(dataDir, name))]).toEqual([name, 0o600])
    expect(lines.filter((line) => line.includes('warning'))).toEqual([])
  } finally {
    await server.stop()
    parent.remove()
  }
})

test('start-up names every data file others can read', () => {
  const directory = temporaryDirectory()
  try {
    writeFileSync(join(directory.path, 'tollgate.db'), '')
    chmodSync(join(directory.path, 'tollgate.db'), 0o644)
    writeFileSync(join(directory.path, '.crypto-secret'), 'x', { mode: 0o600 })
    chmodSync(directory.path, 0o755)
    const warnings = secureDataDir(directory.path)
    expect(warnings).toHaveLength(2)
    expect(warnings[0]).toContain('chmod 700')
    expect(warnings[1]).toContain('tollgate.db is mode 644')
  } finally {
    directory.remove()
  }
})

test('DATA_DIR is created private, and one that cannot be a folder is named with the reason', () => {
  const scratch = temporaryDirectory()
  try {
    const fresh = join(scratch.path, 'nested', 'data')
    expect(checkDataDir(fresh)).toBeUndefined()
    expect(existsSync(fresh)).toBe(true)
    expect(statSync(fresh).mode & 0o777).toBe(0o700)

    const file = join(scratch.path, 'a-file')
    writeFileSync(file, '')
    const message = checkDataDir(join(file, 'data'))!
    expect(message).toContain(join(file, 'data'))
    expect(message).toContain('ENOTDIR')
    expect(message).toMatch(/uid \d+/)
  } finally {
    scratch.remove()
  }
})
