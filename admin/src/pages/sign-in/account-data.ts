import { api } from '../../lib/api.ts'

/** The account API calls behind registration, password reset, e-mail binding and the session list. */

export interface SessionInfo {
  sid: string
  current: boolean
  login_method: string
  ip: string
  user_agent: string
  device: string
  created_at: number
  last_active_at: number
  expires_at: number
}

export const sendVerificationCode = (email: string, turnstile: string) => api.get('/api/verification', { email, turnstile })

export const registerAccount = (body: { username: string; password: string; email?: string; verification_code?: string; aff_code?: string }, turnstile: string) =>
  api.post('/api/user/register', body, { turnstile })

export const requestPasswordReset = (email: string, turnstile: string) => api.get('/api/reset_password', { email, turnstile })

export const resetPassword = (email: string, token: string, password: string) => api.post('/api/user/reset', { email, token, password })

export const bindEmail = (email: string, code: string) => api.post('/api/oauth/email/bind', { email, code })

export const listSessions = () => api.get<SessionInfo[]>('/api/user/sessions/')

export const endSession = (id: string) => api.delete(`/api/user/sessions/${encodeURIComponent(id)}`)

export const endOtherSessions = () => api.delete<{ ended: number }>('/api/user/sessions/')
