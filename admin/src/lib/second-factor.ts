/**
 * Two-factor codes and passkeys for the console: the second sign-in step, passkey sign-in and registration
 * (the browser's WebAuthn ceremonies through @simplewebauthn/browser), and the account page's 2FA calls.
 */
import { startAuthentication, startRegistration, type PublicKeyCredentialCreationOptionsJSON, type PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/browser'
import { api, requestData } from './api.ts'
import { completeSignIn, setTwoFactorSetupRequired, type SignedInData } from './session.ts'

/** The second step after a password: a code from the app or a backup code. */
export async function signInWithCode(code: string, flowToken: string): Promise<void> {
  await completeSignIn(await requestData<SignedInData>('POST', '/api/user/login/2fa', { body: { code: code.trim(), flow_token: flowToken } }))
}

export async function signInWithPasskey(): Promise<void> {
  const begun = await api.post<{ options: PublicKeyCredentialRequestOptionsJSON }>('/api/user/passkey/login/begin')
  const answer = await startAuthentication({ optionsJSON: begun.options })
  await completeSignIn(await api.post<SignedInData>('/api/user/passkey/login/finish', answer))
}

export interface TwoFactorStatus { enabled: boolean; locked: boolean; backup_codes_remaining?: number }
export interface TwoFactorSetup { secret: string; qr_code_data: string; qr_code_svg: string; backup_codes: string[] }
export interface Passkey { id: number; name: string; created_at: number; last_used_at: number; transports: string[] }

export const twoFactor = {
  status: () => api.get<TwoFactorStatus>('/api/user/2fa/status'),
  setup: () => api.post<TwoFactorSetup>('/api/user/2fa/setup'),
  enable: async (code: string) => {
    await api.post('/api/user/2fa/enable', { code: code.trim() })
    setTwoFactorSetupRequired(false)
  },
  disable: (code: string) => api.post('/api/user/2fa/disable', { code: code.trim() }),
  regenerateBackupCodes: (code: string) => api.post<{ backup_codes: string[] }>('/api/user/2fa/backup_codes', { code: code.trim() }),
}

export const passkeys = {
  list: async () => (await api.get<{ passkeys: Passkey[] }>('/api/user/passkey/')).passkeys ?? [],
  async register(name: string): Promise<void> {
    const begun = await api.post<{ options: PublicKeyCredentialCreationOptionsJSON }>('/api/user/passkey/register/begin')
    const answer = await startRegistration({ optionsJSON: begun.options })
    await api.post('/api/user/passkey/register/finish', { ...answer, name })
  },
  remove: (id: number) => api.delete(`/api/user/passkey/${id}`),
}
