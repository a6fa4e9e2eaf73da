/**
 * Sign-in providers as the console sees them: which are on (from /api/status), starting a sign-in or a bind (the
 * server answers the provider URL to go to), finishing it on the page the provider sends the browser back to, and
 * the Telegram widget's data. Which account column each fills is the server's business.
 */
import { api, requestEnvelope } from './api.ts'
import { readStored, writeStored } from './storage.ts'
import type { SelfUser, SystemStatus } from './types.ts'

export type OAuthProviderName = 'github' | 'oidc' | 'linuxdo' | 'discord'

export interface ProviderEntry {
  name: OAuthProviderName | 'telegram'
  label: string
  /** The `/api/user/self` field holding the bound identity. */
  field: 'github_id' | 'oidc_id' | 'linux_do_id' | 'discord_id' | 'telegram_id'
  enabled: (status: SystemStatus) => boolean
}

export const providers: ProviderEntry[] = [
  { name: 'github', label: 'GitHub', field: 'github_id', enabled: (status) => status.github_oauth === true },
  { name: 'oidc', label: 'OIDC', field: 'oidc_id', enabled: (status) => status.oidc_enabled === true },
  { name: 'linuxdo', label: 'LinuxDO', field: 'linux_do_id', enabled: (status) => status.linuxdo_oauth === true },
  { name: 'discord', label: 'Discord', field: 'discord_id', enabled: (status) => status.discord_oauth === true },
  { name: 'telegram', label: 'Telegram', field: 'telegram_id', enabled: (status) => status.telegram_oauth === true },
]

/** The OIDC button says what the operator named it (`oidc.display_name`). */
export const providerLabel = (entry: ProviderEntry, status: SystemStatus | null) =>
  entry.name === 'oidc' && typeof status?.oidc_display_name === 'string' && status.oidc_display_name ? status.oidc_display_name : entry.label

export const enabledProviders = (status: SystemStatus | null) => (status ? providers.filter((entry) => entry.enabled(status)) : [])

export const boundIdentity = (user: SelfUser | null, entry: ProviderEntry) => String((user as Record<string, unknown> | null)?.[entry.field] ?? '')

const nextKey = 'tollgate.oauth-next'

/** Sends the browser to the provider; it comes back to `/oauth/{provider}`, and then goes on to `next`. */
export async function startOAuth(provider: OAuthProviderName, action: 'login' | 'bind', next?: string): Promise<void> {
  const envelope = await requestEnvelope<string>('GET', '/api/oauth/state', { query: { provider, action } })
  writeStored(sessionStorage, nextKey, next ?? null)
  location.assign(String(envelope.authorize_url))
}

/** Where the sign-in page was asked to go on to (its `?next=`), taken once. */
export function takeOAuthNext(): string | undefined {
  const next = readStored(sessionStorage, nextKey) ?? undefined
  writeStored(sessionStorage, nextKey, null)
  return next
}

/** The callback page's query (code, state, or the provider's error) handed to the server; says what happened. */
export async function finishOAuth(provider: string, search: string): Promise<'login' | 'bind'> {
  const envelope = await requestEnvelope<{ action?: string }>('GET', `/api/oauth/${encodeURIComponent(provider)}${search}`)
  return envelope.data?.action === 'bind' ? 'bind' : 'login'
}

export const unbindProvider = (provider: string) => api.post(`/api/oauth/${encodeURIComponent(provider)}/unbind`)

/** What Telegram's login widget hands its `data-onauth` callback. */
export type TelegramUser = Record<string, string | number>

export function sendTelegramLogin(data: TelegramUser, action: 'login' | 'bind') {
  const query = Object.fromEntries(Object.entries(data).map(([key, value]) => [key, String(value)]))
  return api.get(`/api/oauth/telegram/${action}`, query)
}
