import { randomBytes } from 'node:crypto'
import type { AuthFlowRow, Store } from '../db/store.ts'
import type { SecretBox } from '../security/crypto.ts'

/**
 * Short-lived, single-use steps of a sign-in: the flow token between password and 2FA code, a WebAuthn challenge.
 * The client holds a random token; the store keeps only its hash, the user it is bound to and when it expires.
 */
export type AuthFlowKind =
  | 'login_2fa' | 'passkey_register' | 'passkey_login' | 'passkey_verify'
  /** Keyed by the session (src/auth/secure-verification.ts): a passkey check done, a fresh verification held. */
  | 'passkey_verified' | 'secure_verified'

export interface AuthFlowDependencies {
  store: Pick<Store, 'authFlows'>
  secretBox: SecretBox
}

const flowId = (secretBox: SecretBox, token: string) => secretBox.hash(`auth-flow:${token}`)
const now = () => Math.floor(Date.now() / 1000)

export async function createFlow(
  dependencies: AuthFlowDependencies, kind: AuthFlowKind, userId: number, ttlSeconds: number, challenge = '',
): Promise<{ token: string; expiresAt: number }> {
  const token = randomBytes(32).toString('base64url')
  return { token, expiresAt: await putFlow(dependencies, kind, token, userId, ttlSeconds, challenge) }
}

/** Store a flow under a token the caller chose (one per token: an earlier one is replaced). Returns its expiry. */
export async function putFlow(
  dependencies: AuthFlowDependencies, kind: AuthFlowKind, token: string, userId: number, ttlSeconds: number, challenge = '',
): Promise<number> {
  const { store, secretBox } = dependencies
  // Sweeping here keeps the table to the flows of the last few minutes without a timer.
  await store.authFlows.deleteExpired(now())
  const id = flowId(secretBox, token)
  await store.authFlows.take(id, kind)
  const expiresAt = now() + ttlSeconds
  await store.authFlows.put({ id, kind, userId, challenge, expiresAt })
  return expiresAt
}

/** The flow, unspent and unexpired, without spending it (a mistyped code may be corrected). */
export async function peekFlow(dependencies: AuthFlowDependencies, kind: AuthFlowKind, token: string | undefined): Promise<AuthFlowRow | undefined> {
  if (!token) return undefined
  const flow = await dependencies.store.authFlows.peek(flowId(dependencies.secretBox, token), kind)
  return flow && Number(flow.expiresAt) > now() ? flow : undefined
}

/** Spend the flow: of two callers with the same token only one gets it. */
export async function takeFlow(dependencies: AuthFlowDependencies, kind: AuthFlowKind, token: string | undefined): Promise<AuthFlowRow | undefined> {
  if (!token) return undefined
  const flow = await dependencies.store.authFlows.take(flowId(dependencies.secretBox, token), kind)
  return flow && Number(flow.expiresAt) > now() ? flow : undefined
}

/** An HttpOnly cookie carrying a flow token, so the step is bound to the browser that began it. */
export function flowCookie(name: string, path: string, token: string, maxAge: number, secure: boolean): string {
  return `${name}=${token}; Path=${path}; Max-Age=${maxAge}; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`
}
export const clearFlowCookie = (name: string, path: string) => `${name}=; Path=${path}; Max-Age=0; HttpOnly; SameSite=Strict`
