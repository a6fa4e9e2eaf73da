import { randomBytes, randomInt } from 'node:crypto'
import type { EmailCodeRow, Store } from '../db/store.ts'
import { badRequest, GatewayError } from '../errors.ts'
import type { SecretBox } from '../security/crypto.ts'

/**
 * Secrets sent by e-mail: six-digit codes that prove an address (registration, binding) and reset links. Stored
 * hashed, single use, expiring; a wrong guess is counted and the fifth voids the code. Sending is throttled per
 * e-mail address (one a minute, five an hour) and per client address (twenty an hour), in the database, so the
 * limits hold across nodes.
 */

export type EmailPurpose = 'verify' | 'reset'

const LIFETIME: Record<EmailPurpose, number> = { verify: 10 * 60, reset: 30 * 60 }
const RESEND_AFTER = 60
const WINDOW = 3600
const SENDS_PER_EMAIL = 5
const SENDS_PER_ADDRESS = 20
const MAX_ATTEMPTS = 5

export interface EmailCodeDependencies { store: Store; secretBox: SecretBox }

const rowId = (purpose: EmailPurpose, email: string) => `${purpose}:${email}`
const hashOf = (secretBox: SecretBox, id: string, secret: string) => secretBox.hash(`${id}:${secret}`)
const unixNow = () => Math.floor(Date.now() / 1000)

export const lifetimeMinutes = (purpose: EmailPurpose) => LIFETIME[purpose] / 60

const tooMany = (message: string, retryAfter: number) => new GatewayError(429, `${message}; try again in ${Math.max(1, retryAfter)} s`, 'too_many_requests')

let lastSweep = 0

/**
 * Issue a new secret for `email` (replacing the previous one), or only count the send when `redeemable` is false
 * (a reset for an address without an account looks the same from outside). Throws 429 when throttled.
 */
export async function issueEmailSecret(dependencies: EmailCodeDependencies, request: { purpose: EmailPurpose; email: string; address: string; userId?: number; redeemable?: boolean }): Promise<string> {
  const { store, secretBox } = dependencies
  const now = unixNow()
  if (now - lastSweep > 600) {
    lastSweep = now
    await store.emailCodes.deleteOlderThan(now - 2 * WINDOW)
  }
  const id = rowId(request.purpose, request.email)
  const previous = await store.emailCodes.get(id)
  if (previous && now - Number(previous.sentAt) < RESEND_AFTER) throw tooMany('An e-mail was just sent to this address', RESEND_AFTER - (now - Number(previous.sentAt)))
  const inWindow = previous && now - Number(previous.windowStart) < WINDOW
  if (inWindow && previous.sends >= SENDS_PER_EMAIL) throw tooMany('Too many e-mails to this address', Number(previous.windowStart) + WINDOW - now)
  if (await store.emailCodes.sentFromAddress(request.address, now - WINDOW) >= SENDS_PER_ADDRESS) throw tooMany('Too many e-mails requested from your address', WINDOW)
  const secret = request.purpose === 'verify' ? String(randomInt(0, 1_000_000)).padStart(6, '0') : randomBytes(24).toString('base64url')
  await store.emailCodes.put({
    id, purpose: request.purpose, email: request.email, secretHash: request.redeemable === false ? '' : hashOf(secretBox, id, secret),
    userId: request.userId ?? 0, address: request.address, attempts: 0, sends: inWindow ? previous.sends + 1 : 1,
    windowStart: inWindow ? Number(previous.windowStart) : now, sentAt: now, expiresAt: now + LIFETIME[request.purpose],
  })
  return secret
}

const refused = (purpose: EmailPurpose) => badRequest(
  purpose === 'verify' ? 'The verification code is wrong or has expired; ask for a new one' : 'The reset link is invalid, used or expired; ask for a new one',
  purpose === 'verify' ? 'invalid_verification_code' : 'invalid_reset_link',
)

/** The secret's row when `secret` is the live one for `email` (not used yet: see useEmailSecret); a wrong guess is counted. */
export async function checkEmailSecret(dependencies: EmailCodeDependencies, purpose: EmailPurpose, email: string, secret: string | undefined): Promise<EmailCodeRow> {
  const id = rowId(purpose, email)
  const row = await dependencies.store.emailCodes.get(id)
  if (!row || !row.secretHash || Number(row.expiresAt) <= unixNow() || !secret) throw refused(purpose)
  if (hashOf(dependencies.secretBox, id, secret.trim()) !== row.secretHash) {
    await dependencies.store.emailCodes.failedAttempt(id, MAX_ATTEMPTS)
    throw refused(purpose)
  }
  return row
}

/** Spend a checked secret; refused when a concurrent request spent it first. */
export async function useEmailSecret(dependencies: EmailCodeDependencies, row: EmailCodeRow): Promise<void> {
  if (!(await dependencies.store.emailCodes.consume(row.id, row.secretHash, unixNow()))) throw refused(row.purpose as EmailPurpose)
}

/** Give a spent secret back: the change it was spent on failed (a taken username), so nothing changed. */
export const restoreEmailSecret = (dependencies: EmailCodeDependencies, row: EmailCodeRow) => dependencies.store.emailCodes.put(row)
