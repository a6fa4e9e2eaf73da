import type { RuntimeOptions } from '../cache/options.ts'
import { badRequest, GatewayError } from '../errors.ts'
import { openSecretOption } from '../payments/settings.ts'
import type { SecretBox } from '../security/crypto.ts'

/**
 * Cloudflare Turnstile (`TurnstileCheckEnabled`, `TurnstileSiteKey`, `TurnstileSecretKey` sealed at rest): the
 * widget's token arrives as `?turnstile=` and is checked server-side at the siteverify endpoint (a form POST of
 * secret, response and remoteip, as Cloudflare documents), configurable by TURNSTILE_VERIFY_URL.
 */
export interface TurnstileDependencies {
  caches: { readonly options: RuntimeOptions }
  secretBox: SecretBox
  config: { turnstileVerifyUrl: string }
}

export const turnstileEnabled = (options: RuntimeOptions) => options.raw.TurnstileCheckEnabled === 'true'

/** Throws a 400 naming the problem unless Turnstile is off or the token verifies. */
export async function verifyTurnstile(dependencies: TurnstileDependencies, token: string | undefined, remoteAddress: string): Promise<void> {
  const options = dependencies.caches.options
  if (!turnstileEnabled(options)) return
  if (!token) throw badRequest('The Turnstile check is missing; complete the challenge and try again', 'turnstile_missing')
  const secret = openSecretOption(dependencies.secretBox, options.raw.TurnstileSecretKey)
  if (!secret) throw new GatewayError(503, 'Turnstile is enabled but TurnstileSecretKey is not set', 'turnstile_not_configured')
  const form = new URLSearchParams({ secret, response: token })
  if (remoteAddress) form.set('remoteip', remoteAddress)
  let outcome: { success?: boolean; 'error-codes'?: string[] }
  try {
    const response = await fetch(dependencies.config.turnstileVerifyUrl, { method: 'POST', body: form, redirect: 'manual', signal: AbortSignal.timeout(10_000) })
    outcome = await response.json() as typeof outcome
  } catch (error) {
    console.error(`[turnstile] siteverify failed: ${(error as Error).message}`)
    throw new GatewayError(502, 'The Turnstile check could not be verified; try again', 'turnstile_unavailable')
  }
  if (outcome.success !== true) throw badRequest('The Turnstile check failed; complete the challenge again', 'turnstile_failed')
}
