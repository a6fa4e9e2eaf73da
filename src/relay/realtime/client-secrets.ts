import type { SecretBox } from '../../security/crypto.ts'

/**
 * Client secrets the gateway issues for browsers (`POST /v1/realtime/client_secrets`, beta `/v1/realtime/sessions`).
 * The upstream's own ephemeral key never leaves the gateway: it would let a browser talk to the channel's account
 * directly, unbilled. The browser gets this sealed secret instead (AES-GCM under CRYPTO_SECRET, so any node can open
 * it and nobody can read or forge it) and connects to the gateway's `/v1/realtime` with it; it names the token it
 * was issued to, the model, when it expires and the session configuration to apply.
 */
export interface ClientSecret {
  tokenId: number
  /** The model the client asked for (the secret is good for this one only). */
  model: string
  /** Unix seconds. */
  expiresAt: number
  /** Sent upstream as the first `session.update` (the configuration the secret was asked for). */
  session?: Record<string, unknown>
  /** Issued by the beta route: the upstream is spoken to with `OpenAI-Beta: realtime=v1`. */
  beta: boolean
}

export const CLIENT_SECRET_PREFIX = 'ek_tg_'
/** A secret travels in a subprotocol header; a configuration larger than this is sent as session.update instead. */
export const MAX_CLIENT_SECRET_LENGTH = 6000
const SEALED_PREFIX = 'v1:'

/** The secret as the browser sends it: prefix + base64url (subprotocol names allow no `/` or `=`). */
export function sealClientSecret(secretBox: SecretBox, secret: ClientSecret): string {
  const sealed = secretBox.seal(JSON.stringify({ t: secret.tokenId, m: secret.model, e: secret.expiresAt, s: secret.session, b: secret.beta ? 1 : 0 }))
  return CLIENT_SECRET_PREFIX + Buffer.from(sealed.slice(SEALED_PREFIX.length), 'base64').toString('base64url')
}

/** The secret behind a key, or undefined when it is not one this gateway sealed (tampered, truncated, foreign). */
export function openClientSecret(secretBox: SecretBox, raw: string): ClientSecret | undefined {
  if (!raw.startsWith(CLIENT_SECRET_PREFIX) || raw.length > MAX_CLIENT_SECRET_LENGTH * 2) return undefined
  try {
    const sealed = SEALED_PREFIX + Buffer.from(raw.slice(CLIENT_SECRET_PREFIX.length), 'base64url').toString('base64')
    const payload = JSON.parse(secretBox.open(sealed)) as { t: number; m: string; e: number; s?: Record<string, unknown>; b?: number }
    if (!Number.isInteger(payload.t) || typeof payload.m !== 'string' || typeof payload.e !== 'number') return undefined
    return { tokenId: payload.t, model: payload.m, expiresAt: payload.e, session: payload.s, beta: payload.b === 1 }
  } catch {
    return undefined
  }
}
