import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

/**
 * Secrets at rest. Channel keys and token keys are sealed with AES-256-GCM under a key derived (HKDF-SHA256) from
 * CRYPTO_SECRET; token keys are found by an HMAC of the key, so a copy of the database alone can neither read nor
 * verify a key.
 */
export interface SecretBox {
  seal(plaintext: string): string
  open(sealed: string): string
  /** Deterministic lookup hash of a token key or access token. */
  hash(value: string): string
}

const SEALED_PREFIX = 'v1:'

export function createSecretBox(secret: string): SecretBox {
  const derive = (info: string) => Buffer.from(hkdfSync('sha256', secret, 'tollgate', info, 32))
  const encryptionKey = derive('secret-box')
  const hashKey = derive('lookup-hash')
  return {
    seal(plaintext) {
      const iv = randomBytes(12)
      const cipher = createCipheriv('aes-256-gcm', encryptionKey, iv)
      const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()])
      return SEALED_PREFIX + Buffer.concat([iv, ciphertext, cipher.getAuthTag()]).toString('base64')
    },
    open(sealed) {
      if (!sealed.startsWith(SEALED_PREFIX)) throw new Error('sealed value has an unknown format')
      const bytes = Buffer.from(sealed.slice(SEALED_PREFIX.length), 'base64')
      if (bytes.length < 28) throw new Error('sealed value is truncated')
      const decipher = createDecipheriv('aes-256-gcm', encryptionKey, bytes.subarray(0, 12))
      decipher.setAuthTag(bytes.subarray(bytes.length - 16))
      return Buffer.concat([decipher.update(bytes.subarray(12, bytes.length - 16)), decipher.final()]).toString('utf8')
    },
    hash: (value) => createHmac('sha256', hashKey).update(value).digest('base64url'),
  }
}

/** Signs short payloads (session cookies). */
export function createSigner(secret: string) {
  const key = Buffer.from(hkdfSync('sha256', secret, 'tollgate', 'session', 32))
  const mac = (payload: string) => createHmac('sha256', key).update(payload).digest()
  return {
    sign: (payload: string) => `${Buffer.from(payload).toString('base64url')}.${mac(payload).toString('base64url')}`,
    verify(signed: string): string | null {
      const dot = signed.indexOf('.')
      if (dot <= 0) return null
      const payload = Buffer.from(signed.slice(0, dot), 'base64url').toString('utf8')
      const given = Buffer.from(signed.slice(dot + 1), 'base64url')
      const expected = mac(payload)
      return given.length === expected.length && timingSafeEqual(given, expected) ? payload : null
    },
  }
}

const ALPHANUMERIC = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'

/** Uniform random alphanumeric string (rejection sampling: no modulo bias). */
export function randomAlphanumeric(length: number): string {
  let out = ''
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < 248) out += ALPHANUMERIC[byte % 62]
      if (out.length === length) break
    }
  }
  return out
}

/** new-api's token key: 48 alphanumerics, shown to users as `sk-<key>`. */
export const generateTokenKey = () => randomAlphanumeric(48)

/** Masked form shown in lists: first 4 + 10 stars + last 4 (new-api's current behaviour). */
export const maskKey = (key: string) => (key.length <= 8 ? '*'.repeat(key.length) : `${key.slice(0, 4)}**********${key.slice(-4)}`)

/**
 * Read a secret from the environment, or generate one and keep it in DATA_DIR so restarts keep working.
 * `generated` tells the caller to warn: several nodes must share the value.
 */
export function loadOrCreateSecret(dataDir: string, fileName: string, fromEnv: string | undefined): { secret: string; generated: boolean } {
  if (fromEnv) return { secret: fromEnv, generated: false }
  mkdirSync(dataDir, { recursive: true, mode: 0o700 })
  const path = join(dataDir, fileName)
  if (existsSync(path)) return { secret: readFileSync(path, 'utf8').trim(), generated: true }
  const secret = randomBytes(32).toString('base64url')
  writeFileSync(path, secret + '\n', { mode: 0o600, flag: 'wx' })
  return { secret, generated: true }
}
