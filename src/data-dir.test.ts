import { expect, test } from 'bun:test'
import { existsSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { checkDataDir } from './data-dir.ts'
import { temporaryDirectory } from './testing/databases.ts'

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
