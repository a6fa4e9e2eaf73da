import type { AuthenticationResponseJSON, AuthenticatorTransport, RegistrationResponseJSON } from '@simplewebauthn/server'
import type { PasskeyRow, Store, UserRow } from '../db/store.ts'
import { DuplicateError } from '../db/store.ts'
import { badRequest } from '../errors.ts'
import type { SecretBox } from '../security/crypto.ts'
import { createFlow, takeFlow } from './auth-flows.ts'
import { passkeyProblem, type PasskeySettings } from './second-factor-settings.ts'

/**
 * WebAuthn ceremonies (@simplewebauthn/server). Each begins with a stored, single-use challenge bound to the browser
 * (its token in an HttpOnly cookie) and, for registration, to the user; each finish spends it first, so a replayed
 * or second answer finds nothing. Sign-in uses discoverable credentials: the browser picks the account.
 */
export interface PasskeyDependencies {
  store: Pick<Store, 'passkeys' | 'authFlows' | 'users'>
  secretBox: SecretBox
}

export const PASSKEY_CHALLENGE_SECONDS = 300
const now = () => Math.floor(Date.now() / 1000)

// Loaded on first ceremony: the library and its ASN.1 stack (~300 modules) are most of a start-up heap otherwise.
let webauthn: Promise<typeof import('@simplewebauthn/server')> | undefined
// reflect-metadata first, by hand: its own side-effect import inside the library is evaluated too late when the library
// is a lazily loaded chunk of the compiled binary (tsyringe then throws "requires a reflect polyfill"; Bun 1.4.5).
const loadWebauthn = () => (webauthn ??= import('reflect-metadata').then(() => import('@simplewebauthn/server')))
/** The user handle: new-api's (the decimal user id), so credentials made there keep matching. */
const userHandle = (userId: number) => new TextEncoder().encode(String(userId))

export function usableSettings(settings: PasskeySettings): PasskeySettings {
  const problem = passkeyProblem(settings)
  if (problem) throw badRequest(problem, 'passkey_unavailable')
  return settings
}

/** What a failed WebAuthn check says to the client: the library's reason, never a stack. */
const refused = (error: unknown) => badRequest(`Passkey verification failed: ${(error as Error).message}`, 'passkey_verification_failed')
const expired = () => badRequest('The passkey request expired or was used already; start again', 'passkey_challenge_invalid')

export async function beginRegistration(dependencies: PasskeyDependencies, settings: PasskeySettings, user: UserRow) {
  const existing = await dependencies.store.passkeys.listForUser(user.id)
  const { generateRegistrationOptions } = await loadWebauthn()
  const options = await generateRegistrationOptions({
    rpName: settings.rpName, rpID: settings.rpId, userName: user.username, userDisplayName: user.displayName || user.username,
    userID: userHandle(user.id), attestationType: 'none', timeout: PASSKEY_CHALLENGE_SECONDS * 1000,
    excludeCredentials: existing.map((passkey) => ({ id: passkey.credentialId, transports: transportsOf(passkey) })),
    authenticatorSelection: {
      residentKey: 'required', requireResidentKey: true, userVerification: settings.userVerification,
      ...(settings.attachment ? { authenticatorAttachment: settings.attachment } : {}),
    },
  })
  const flow = await createFlow(dependencies, 'passkey_register', user.id, PASSKEY_CHALLENGE_SECONDS, options.challenge)
  return { options, flow }
}

export async function finishRegistration(
  dependencies: PasskeyDependencies, settings: PasskeySettings, user: UserRow, flowToken: string | undefined, response: RegistrationResponseJSON, name: string,
): Promise<PasskeyRow> {
  const flow = await takeFlow(dependencies, 'passkey_register', flowToken)
  if (!flow || flow.userId !== user.id) throw expired()
  const { verifyRegistrationResponse } = await loadWebauthn()
  let verification
  try {
    verification = await verifyRegistrationResponse({
      response, expectedChallenge: flow.challenge, expectedOrigin: settings.origins, expectedRPID: settings.rpId,
      requireUserVerification: settings.userVerification === 'required',
    })
  } catch (error) { throw refused(error) }
  if (!verification.verified) throw refused(new Error('the attestation did not verify'))
  const { credential } = verification.registrationInfo
  try {
    return await dependencies.store.passkeys.add({
      userId: user.id, credentialId: credential.id, publicKey: Buffer.from(credential.publicKey).toString('base64url'),
      counter: credential.counter, transports: (credential.transports ?? []).join(','), name: name.trim().slice(0, 64) || 'Passkey',
      createdAt: now(), lastUsedAt: 0,
    })
  } catch (error) {
    if (error instanceof DuplicateError) throw badRequest('This passkey is registered already', 'passkey_duplicate')
    throw error
  }
}

export async function beginSignIn(dependencies: PasskeyDependencies, settings: PasskeySettings) {
  const { generateAuthenticationOptions } = await loadWebauthn()
  const options = await generateAuthenticationOptions({
    rpID: settings.rpId, userVerification: settings.userVerification, timeout: PASSKEY_CHALLENGE_SECONDS * 1000,
  })
  const flow = await createFlow(dependencies, 'passkey_login', 0, PASSKEY_CHALLENGE_SECONDS, options.challenge)
  return { options, flow }
}

/** Verify a discoverable sign-in; returns the enabled user it proves. The signature counter must move forward. */
export async function finishSignIn(
  dependencies: PasskeyDependencies, settings: PasskeySettings, flowToken: string | undefined, response: AuthenticationResponseJSON,
): Promise<UserRow> {
  const flow = await takeFlow(dependencies, 'passkey_login', flowToken)
  if (!flow) throw expired()
  const passkey = await checkAssertion(dependencies, settings, flow.challenge, response)
  const user = await dependencies.store.users.get(passkey.userId)
  if (!user) throw badRequest('This passkey is not registered here', 'passkey_unknown')
  if (user.status !== 1) throw badRequest('User has been banned', 'AUTH_USER_DISABLED')
  return user
}

/** A passkey check of the signed-in user (secure verification): only their own credentials are offered. */
export async function beginVerification(dependencies: PasskeyDependencies, settings: PasskeySettings, user: UserRow) {
  const passkeys = await dependencies.store.passkeys.listForUser(user.id)
  if (passkeys.length === 0) throw badRequest('No passkey is registered for this account', 'passkey_none')
  const { generateAuthenticationOptions } = await loadWebauthn()
  const options = await generateAuthenticationOptions({
    rpID: settings.rpId, userVerification: settings.userVerification, timeout: PASSKEY_CHALLENGE_SECONDS * 1000,
    allowCredentials: passkeys.map((passkey) => ({ id: passkey.credentialId, transports: transportsOf(passkey) })),
  })
  const flow = await createFlow(dependencies, 'passkey_verify', user.id, PASSKEY_CHALLENGE_SECONDS, options.challenge)
  return { options, flow }
}

export async function finishVerification(
  dependencies: PasskeyDependencies, settings: PasskeySettings, user: UserRow, flowToken: string | undefined, response: AuthenticationResponseJSON,
): Promise<void> {
  const flow = await takeFlow(dependencies, 'passkey_verify', flowToken)
  if (!flow || flow.userId !== user.id) throw expired()
  const passkey = await checkAssertion(dependencies, settings, flow.challenge, response)
  if (passkey.userId !== user.id) throw badRequest('This passkey belongs to another account', 'passkey_verification_failed')
}

/** Check an assertion against `challenge` and the stored credential it names; records the new signature counter. */
async function checkAssertion(dependencies: PasskeyDependencies, settings: PasskeySettings, challenge: string, response: AuthenticationResponseJSON): Promise<PasskeyRow> {
  const passkey = typeof response?.id === 'string' ? await dependencies.store.passkeys.byCredentialId(response.id) : undefined
  if (!passkey) throw badRequest('This passkey is not registered here', 'passkey_unknown')
  const handle = response.response?.userHandle
  if (typeof handle === 'string' && handle !== '' && Buffer.from(handle, 'base64url').toString('utf8') !== String(passkey.userId)) {
    throw badRequest('The passkey does not belong to the account it names', 'passkey_verification_failed')
  }
  const { verifyAuthenticationResponse } = await loadWebauthn()
  let verification
  try {
    verification = await verifyAuthenticationResponse({
      response, expectedChallenge: challenge, expectedOrigin: settings.origins, expectedRPID: settings.rpId,
      requireUserVerification: settings.userVerification === 'required',
      credential: { id: passkey.credentialId, publicKey: new Uint8Array(Buffer.from(passkey.publicKey, 'base64url')), counter: Number(passkey.counter), transports: transportsOf(passkey) },
    })
  } catch (error) { throw refused(error) }
  if (!verification.verified) throw refused(new Error('the signature did not verify'))
  // Conditional on the counter read above: a cloned authenticator racing the original cannot both pass.
  if (!(await dependencies.store.passkeys.recordUse(passkey.id, Number(passkey.counter), verification.authenticationInfo.newCounter, now()))) {
    throw refused(new Error('the signature counter did not move forward'))
  }
  return passkey
}

const transportsOf = (passkey: PasskeyRow) => (passkey.transports ? passkey.transports.split(',') as AuthenticatorTransport[] : undefined)

export const passkeyJson = (passkey: PasskeyRow) => ({
  id: passkey.id, name: passkey.name, created_at: Number(passkey.createdAt), last_used_at: Number(passkey.lastUsedAt),
  transports: passkey.transports ? passkey.transports.split(',') : [],
})
