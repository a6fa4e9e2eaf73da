import { randomInt } from 'node:crypto'
import type { TOTP } from 'otpauth'
import type { Store, TwoFactorRow } from '../db/store.ts'
import { badRequest, GatewayError } from '../errors.ts'
import type { SecretBox } from '../security/crypto.ts'

/**
 * TOTP two-factor sign-in (RFC 6238: SHA-1, 6 digits, 30 s) with ten single-use backup codes. The seed is sealed
 * at rest and shown only by the setup call; backup codes are kept as lookup hashes.
 */
export interface TwoFactorDependencies {
  store: Pick<Store, 'twoFactor'>
  secretBox: SecretBox
}

const PERIOD_SECONDS = 30
/** One step either side: a phone clock a little off, or a code typed as it rolled over. */
const WINDOW_STEPS = 1
export const BACKUP_CODE_COUNT = 10
/** Wrong codes before the account's second factor is locked, and for how long. */
export const MAX_FAILED_CODES = 5
export const LOCK_SECONDS = 300

const now = () => Math.floor(Date.now() / 1000)

// Loaded with the first code checked or seed made: accounts without 2FA never need it.
let otpauth: Promise<typeof import('otpauth')> | undefined
const loadOtpauth = () => (otpauth ??= import('otpauth'))

export async function totpFor(secretBase32: string, issuer: string, label: string): Promise<TOTP> {
  const { Secret, TOTP } = await loadOtpauth()
  return new TOTP({ issuer, label, algorithm: 'SHA1', digits: 6, period: PERIOD_SECONDS, secret: Secret.fromBase32(secretBase32) })
}

/** The time step a 6-digit code belongs to, within the window, or undefined when it is no current code. */
export async function stepOf(secretBase32: string, code: string, timestamp = Date.now()): Promise<number | undefined> {
  if (!/^\d{6}$/.test(code)) return undefined
  const delta = (await totpFor(secretBase32, '', '')).validate({ token: code, timestamp, window: WINDOW_STEPS })
  return delta === null ? undefined : Math.floor(timestamp / 1000 / PERIOD_SECONDS) + delta
}

export const newTotpSecret = async () => new (await loadOtpauth()).Secret({ size: 20 }).base32

// No 0/O, 1/I/L: backup codes are read off paper.
const BACKUP_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789'
const backupCode = () => {
  let code = ''
  for (let index = 0; index < 8; index++) code += BACKUP_ALPHABET[randomInt(BACKUP_ALPHABET.length)]
  return `${code.slice(0, 4)}-${code.slice(4)}`
}
export const newBackupCodes = () => Array.from({ length: BACKUP_CODE_COUNT }, backupCode)

/** Case, spaces and dashes do not matter when a backup code is typed back. */
const normalizeBackupCode = (code: string) => code.toUpperCase().replace(/[\s-]/g, '')
export const hashBackupCode = (secretBox: SecretBox, userId: number, code: string) => secretBox.hash(`2fa-backup:${userId}:${normalizeBackupCode(code)}`)

export type SecondFactorMethod = 'totp' | 'backup_code'

function refuseWhenLocked(record: TwoFactorRow) {
  const wait = Number(record.lockedUntil) - now()
  if (wait > 0) throw new GatewayError(429, `Too many wrong codes; try again in ${Math.ceil(wait / 60)} minute(s)`, 'two_factor_locked')
}

/**
 * Check a code against the user's second factor and spend it: a TOTP code's time step is recorded so it cannot be
 * used again, a backup code is removed. A wrong code counts towards the lock. 2FA must be on.
 */
export async function verifySecondFactor(
  dependencies: TwoFactorDependencies, userId: number, code: string, options: { allowBackupCode: boolean },
): Promise<SecondFactorMethod> {
  const { store, secretBox } = dependencies
  const record = await store.twoFactor.get(userId)
  if (!record?.enabled) throw badRequest('Two-factor authentication is not enabled for this account', 'two_factor_not_enabled')
  refuseWhenLocked(record)
  const typed = code.trim()
  const step = await stepOf(secretBox.open(record.sealedSecret), typed)
  if (step !== undefined) {
    if (await store.twoFactor.useStep(userId, step)) return 'totp'
    await countFailure(dependencies, userId)
    throw badRequest('This code was used already; wait for the next one', 'two_factor_code_used')
  }
  if (options.allowBackupCode && !/^\d{6}$/.test(typed)) {
    const hashes = JSON.parse(record.backupCodes) as string[]
    const hash = hashBackupCode(secretBox, userId, typed)
    if (hashes.includes(hash) && await store.twoFactor.swapBackupCodes(userId, record.backupCodes, hashes.filter((other) => other !== hash))) {
      return 'backup_code'
    }
  }
  await countFailure(dependencies, userId)
  throw badRequest(options.allowBackupCode ? 'Wrong verification code or backup code' : 'Wrong verification code', 'two_factor_code_invalid')
}

const countFailure = (dependencies: TwoFactorDependencies, userId: number) =>
  dependencies.store.twoFactor.failed(userId, MAX_FAILED_CODES, now() + LOCK_SECONDS)

/** Confirm a pending setup with its first code; the code's step counts as used. */
export async function confirmSetup(dependencies: TwoFactorDependencies, userId: number, code: string): Promise<void> {
  const { store, secretBox } = dependencies
  const record = await store.twoFactor.get(userId)
  if (!record) throw badRequest('Start the two-factor setup first', 'two_factor_not_set_up')
  if (record.enabled) throw badRequest('Two-factor authentication is already enabled', 'two_factor_enabled')
  refuseWhenLocked(record)
  const step = await stepOf(secretBox.open(record.sealedSecret), code.trim())
  if (step === undefined || !(await store.twoFactor.enable(userId, step))) {
    await countFailure(dependencies, userId)
    throw badRequest('Wrong verification code', 'two_factor_code_invalid')
  }
}

/** Whether the user signs in with a second factor. */
export const hasTwoFactor = async (dependencies: Pick<TwoFactorDependencies, 'store'>, userId: number) =>
  (await dependencies.store.twoFactor.get(userId))?.enabled === true
