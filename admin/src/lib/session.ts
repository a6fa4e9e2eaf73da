/**
 * Who is signed in, and what the server says about itself (/api/status). Both are signals read
 * by every page. The user id is remembered so the `New-Api-User` header can be sent on reload.
 */
import { createSignal } from 'solid-js'
import { api, requestData, setApiUserId, UnauthorizedError } from './api.ts'
import { readQuotaDisplay, type QuotaDisplay } from './quota.ts'
import { readStored, writeStored } from './storage.ts'
import { roles, type SelfUser, type SystemStatus } from './types.ts'

const userIdKey = 'tollgate.user-id'

const [user, setUser] = createSignal<SelfUser | null>(null)
const [status, setStatus] = createSignal<SystemStatus | null>(null)
const [ready, setReady] = createSignal(false)

export { user, status, ready }

const storedId = Number(readStored(localStorage, userIdKey))
if (Number.isInteger(storedId) && storedId > 0) setApiUserId(storedId)

export const isAdmin = () => (user()?.role ?? 0) >= roles.admin
export const isRoot = () => (user()?.role ?? 0) >= roles.root
export const quotaDisplay = (): QuotaDisplay => readQuotaDisplay(status())
export const systemName = () => status()?.system_name || 'Tollgate'

export async function loadStatus(): Promise<void> {
  try {
    setStatus(await api.get<SystemStatus>('/api/status'))
  } catch {
    // The console still works with default currency settings; pages show their own errors.
  }
}

export async function loadSelf(): Promise<SelfUser | null> {
  try {
    const self = await api.get<SelfUser>('/api/user/self')
    rememberUser(self)
    return self
  } catch (error) {
    if (error instanceof UnauthorizedError) forgetUser()
    throw error
  }
}

/** Start-up: status and the current session in parallel; a missing session is not an error. */
export async function initialiseSession(): Promise<void> {
  await Promise.all([
    loadStatus(),
    loadSelf().catch(() => null),
  ])
  setReady(true)
}

export interface SignInResult {
  requiresTwoFactor: boolean
  /** With `requiresTwoFactor`: the token the second step (a 2FA code) must send back. */
  flowToken?: string
}

/** What every sign-in route answers on success (new-api's classic `data`, or current's `data.user`). */
export interface SignedInData { id?: number; user?: { id: number }; require_2fa_setup?: boolean }

/** An administrator signed in while AdminTwoFactorRequired is on and has no 2FA yet: the console leads to the setup. */
const [twoFactorSetupRequired, setTwoFactorSetupRequired] = createSignal(false)
export { twoFactorSetupRequired, setTwoFactorSetupRequired }

export async function completeSignIn(data: SignedInData | undefined): Promise<void> {
  setTwoFactorSetupRequired(data?.require_2fa_setup === true)
  const id = data?.id ?? data?.user?.id
  if (typeof id === 'number') setApiUserId(id)
  await loadSelf()
}

/** `turnstile`: the Turnstile widget's token, when the server asks for one (components/turnstile.tsx). */
export async function signIn(username: string, password: string, turnstile?: string): Promise<SignInResult> {
  const data = await requestData<SignedInData & { require_2fa?: boolean; flow_token?: string }>('POST', '/api/user/login', {
    body: { username, password }, query: { turnstile },
  })
  if (data?.require_2fa) return { requiresTwoFactor: true, flowToken: data.flow_token }
  await completeSignIn(data)
  return { requiresTwoFactor: false }
}

export async function signOut(): Promise<void> {
  try {
    await api.get('/api/user/logout')
  } finally {
    forgetUser()
  }
}

export async function changeOwnPassword(originalPassword: string, password: string): Promise<void> {
  await api.put('/api/user/self', { original_password: originalPassword, password })
  await loadSelf()
}

function rememberUser(self: SelfUser): void {
  setUser(self)
  setApiUserId(self.id)
  writeStored(localStorage, userIdKey, String(self.id))
}

export function forgetUser(): void {
  setUser(null)
  setApiUserId(null)
  writeStored(localStorage, userIdKey, null)
}
