import { describe, expect, test } from 'bun:test'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { createSecretBox, createSigner, generateTokenKey, loadOrCreateSecret, maskKey } from './crypto.ts'
import { startTestServer } from '../testing/server.ts'
import { temporaryDirectory } from '../testing/databases.ts'

describe('secrets at rest', () => {
  const box = createSecretBox('a-crypto-secret-for-tests')

  test('sealed values open with the same secret only, and tampering is detected', () => {
    const sealed = box.seal('sk-upstream-key')
    expect(sealed).not.toContain('sk-upstream-key')
    expect(box.seal('sk-upstream-key')).not.toBe(sealed) // a fresh IV every time
    expect(box.open(sealed)).toBe('sk-upstream-key')
    expect(() => createSecretBox('another-secret-entirely').open(sealed)).toThrow()
    const bytes = Buffer.from(sealed.slice(3), 'base64')
    bytes[20]! ^= 1
    expect(() => box.open(`v1:${bytes.toString('base64')}`)).toThrow()
  })

  test('lookup hashes are deterministic and depend on the secret', () => {
    expect(box.hash('key')).toBe(box.hash('key'))
    expect(createSecretBox('another-secret-entirely').hash('key')).not.toBe(box.hash('key'))
  })

  test('token keys are 48 alphanumerics; lists show them masked', () => {
    const key = generateTokenKey()
    expect(key).toMatch(/^[0-9a-zA-Z]{48}$/)
    expect(maskKey(key)).toBe(`${key.slice(0, 4)}**********${key.slice(-4)}`)
  })

  test('signed sessions refuse a changed payload', () => {
    const signer = createSigner('a-session-secret-for-tests')
    const signed = signer.sign('{"u":1}')
    expect(signer.verify(signed)).toBe('{"u":1}')
    expect(signer.verify(signed.replace(/^[^.]+/, Buffer.from('{"u":2}').toString('base64url')))).toBeNull()
  })

  test('a generated secret is kept in DATA_DIR with owner-only permissions and reused', () => {
    const directory = temporaryDirectory()
    const first = loadOrCreateSecret(directory.path, '.crypto-secret', undefined)
    expect(first.generated).toBe(true)
    expect(loadOrCreateSecret(directory.path, '.crypto-secret', undefined).secret).toBe(first.secret)
    expect(Bun.file(join(directory.path, '.crypto-secret')).size).toBeGreaterThan(16)
    expect((require('node:fs').statSync(join(directory.path, '.crypto-secret')).mode & 0o777).toString(8)).toBe('600')
    directory.remove()
  })

  test('channel and token keys never appear in the database file in clear', async () => {
    const server = await startTestServer()
    try {
      const root = await server.signIn()
      await root.call('POST', '/api/channel/', { mode: 'single', channel: { type: 1, name: 'c', key: 'sk-live-UPSTREAM-SECRET-123', models: 'm' } })
      const id = (await root.call('POST', '/api/token/', { name: 't' })).body.data.id
      const tokenKey = (await root.call('POST', `/api/token/${id}/key`)).body.data.key as string
      await server.database.close()
      const files = ['tollgate.db', 'tollgate.db-wal'].map((name) => { try { return readFileSync(join(server.config.dataDir, name)).toString('latin1') } catch { return '' } }).join('')
      expect(files).not.toContain('sk-live-UPSTREAM-SECRET-123')
      expect(files).not.toContain(tokenKey)
    } finally {
      await server.dispose().catch(() => undefined)
    }
  })
})
