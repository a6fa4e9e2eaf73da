import type { UserRow } from '../db/store.ts'
import { GatewayError } from '../errors.ts'
import { peekFlow, putFlow, takeFlow, type AuthFlowDependencies } from './auth-flows.ts'
import { currentSessionId, type SessionDependencies } from './session.ts'

/**
 * new-api's "secure verification" for sensitive actions (reading a channel key): a 2FA code or a passkey check,
 * done through `POST /api/verify`, holds for five minutes for the browser session that did it, on every node.
 * Access tokens carry no session and cannot hold one.
 */
export const SECURE_VERIFICATION_SECONDS = 300
/** How long a passkey check (`/api/user/passkey/verify/finish`) waits for `POST /api/verify {method:"passkey"}`. */
const PASSKEY_READY_SECONDS = 120

type Dependencies = AuthFlowDependencies & Pick<SessionDependencies, 'signer'>

const verifiedKey = (sessionId: string) => `secure-verified:${sessionId}`
const passkeyKey = (sessionId: string) => `passkey-verified:${sessionId}`

/** The session the verification is bound to; without one (an access token) there is nothing to bind it to. */
export function verifiableSession(dependencies: Pick<SessionDependencies, 'signer'>, request: Request): string {
  const sessionId = currentSessionId(dependencies, request)
  if (!sessionId) throw new GatewayError(403, 'Secure verification needs a signed-in browser session, not an access token', 'VERIFICATION_UNAVAILABLE')
  return sessionId
}

/** Record a successful verification for this session; returns when it lapses. */
export const markVerified = (dependencies: Dependencies, sessionId: string, user: UserRow) =>
  putFlow(dependencies, 'secure_verified', verifiedKey(sessionId), user.id, SECURE_VERIFICATION_SECONDS)

export async function verifiedUntil(dependencies: Dependencies, sessionId: string, user: UserRow): Promise<number | undefined> {
  const flow = await peekFlow(dependencies, 'secure_verified', verifiedKey(sessionId))
  return flow && flow.userId === user.id ? Number(flow.expiresAt) : undefined
}

/** A passkey assertion was verified for this session; `POST /api/verify {method:"passkey"}` turns it into a verification. */
export const markPasskeyChecked = (dependencies: Dependencies, sessionId: string, user: UserRow) =>
  putFlow(dependencies, 'passkey_verified', passkeyKey(sessionId), user.id, PASSKEY_READY_SECONDS)

export async function takePasskeyCheck(dependencies: Dependencies, sessionId: string, user: UserRow): Promise<boolean> {
  const flow = await takeFlow(dependencies, 'passkey_verified', passkeyKey(sessionId))
  return flow?.userId === user.id
}

/** Refuse the action unless this session verified within the last five minutes (403 VERIFICATION_REQUIRED). */
export async function requireSecureVerification(dependencies: Dependencies, request: Request, user: UserRow): Promise<void> {
  const sessionId = verifiableSession(dependencies, request)
  if (await verifiedUntil(dependencies, sessionId, user) === undefined) {
    throw new GatewayError(403, 'This action needs a fresh verification: POST /api/verify with a 2FA code or a passkey (valid 5 minutes)', 'VERIFICATION_REQUIRED')
  }
}
