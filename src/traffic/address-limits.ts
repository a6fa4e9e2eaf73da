import type { Config } from '../config.ts'
import type { LimitCheck, Limiter, Refusal } from './limiter.ts'
import { RateLimitedError } from './rate-limited.ts'

/**
 * new-api's limits per client address (the address TRUSTED_PROXIES lets through): every `/api/*` request
 * (GLOBAL_API_RATE_LIMIT), every console page (GLOBAL_WEB_RATE_LIMIT; the hashed `/assets/*` files are free, as
 * new-api's static files are) and, on top of the API limit, the sign-in, registration, e-mail and payment routes
 * (CRITICAL_RATE_LIMIT). The relay (`/v1`) is limited per token and user instead (relay-traffic.ts).
 */

/** Routes under the critical limit: `METHOD path`, or a path prefix ending in `/`. Payment callbacks are not. */
const CRITICAL_ROUTES = new Set([
  'POST /api/user/login', 'POST /api/user/register', 'GET /api/verification', 'GET /api/reset_password', 'POST /api/user/reset',
  'POST /api/user/topup', 'POST /api/user/pay', 'POST /api/user/amount', 'POST /api/user/stripe/pay', 'POST /api/user/stripe/amount',
  'POST /api/subscription/pay', 'POST /api/subscription/stripe/pay',
])
const CRITICAL_PREFIXES = ['/api/oauth/']

export const isCriticalRoute = (method: string, path: string) => CRITICAL_ROUTES.has(`${method} ${path}`) || CRITICAL_PREFIXES.some((prefix) => path.startsWith(prefix))

interface AddressLimit { limit: number; windowMs: number; variable: string }

export interface AddressLimits {
  /** Check an `/api/*` request; undefined when it passes, else a promise or a throw of RateLimitedError. */
  api(method: string, path: string, address: string): void | Promise<void>
  /** Check a console page request. */
  web(path: string, address: string): void | Promise<void>
}

/** The address limits the configuration turns on, or undefined when none is. */
export function createAddressLimits(limiter: Limiter, config: Pick<Config, 'globalApiRateLimit' | 'globalWebRateLimit' | 'criticalRateLimit'>): AddressLimits | undefined {
  const setting = (value: { enabled: boolean; limit: number; seconds: number }, variable: string): AddressLimit | undefined =>
    value.enabled ? { limit: value.limit, windowMs: value.seconds * 1000, variable } : undefined
  const api = setting(config.globalApiRateLimit, 'GLOBAL_API_RATE_LIMIT')
  const web = setting(config.globalWebRateLimit, 'GLOBAL_WEB_RATE_LIMIT')
  const critical = setting(config.criticalRateLimit, 'CRITICAL_RATE_LIMIT')
  if (!api && !web && !critical) return undefined

  const refuse = (limits: AddressLimit[]) => (refused: Refusal | undefined) => {
    if (!refused) return
    const { limit, windowMs, variable } = limits[refused.index]!
    throw new RateLimitedError(`Too many requests from your address: at most ${limit} in ${windowMs / 1000} s (${variable})`, refused.retryAfterMs)
  }
  function check(limits: AddressLimit[], checks: LimitCheck[], address: string) {
    const verdict = limiter.acquire(checks, address)
    if (verdict instanceof Promise) return verdict.then(refuse(limits))
    refuse(limits)(verdict)
  }
  const apiOnly = api ? [api] : []
  const apiAndCritical = [...apiOnly, ...(critical ? [critical] : [])]

  return {
    api(method, path, address) {
      const limits = critical && isCriticalRoute(method, path) ? apiAndCritical : apiOnly
      if (limits.length === 0) return
      return check(limits, limits.map((limit) => ({ key: `tg:rl:${limit === api ? 'ga' : 'ct'}:${address}`, kind: 'count', limit: limit.limit, windowMs: limit.windowMs })), address)
    },
    web(path, address) {
      if (!web || path.startsWith('/assets/')) return
      return check([web], [{ key: `tg:rl:gw:${address}`, kind: 'count', limit: web.limit, windowMs: web.windowMs }], address)
    },
  }
}
