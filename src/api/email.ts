import { Elysia, t } from 'elysia'
import { randomBytes } from 'node:crypto'
import { assertEmailDomainAllowed, normalizeEmail } from '../auth/email-address.ts'
import { checkEmailSecret, issueEmailSecret, lifetimeMinutes, useEmailSecret } from '../auth/email-codes.ts'
import { readMailSettings } from '../auth/mail.ts'
import { endOtherSessions } from '../auth/session.ts'
import { verifyTurnstile } from '../auth/turnstile.ts'
import { badRequest, GatewayError } from '../errors.ts'
import { authPlugin, emptyEnvelope, envelope, ok, ROLE_USER, type ApiDependencies } from './context.ts'
import { hashPassword, UserSchema, userJson } from './users.ts'

const Email = t.String({ maxLength: 200 })
const TurnstileQuery = { turnstile: t.Optional(t.String({ maxLength: 4096 })) }

/**
 * E-mail: verification codes (registration, binding an address), password reset by a mailed link. No answer tells
 * whether an address has an account: the same reply, the same throttle and the same work either way.
 */
export function emailRoutes(dependencies: ApiDependencies) {
  const { store, caches, mailer } = dependencies
  const systemName = () => caches.options.raw.SystemName || 'Tollgate'
  const requireMail = () => {
    if (!readMailSettings(caches.options, dependencies.secretBox)) throw new GatewayError(503, 'E-mail is not configured on this server (SMTPServer)', 'smtp_not_configured')
  }

  return new Elysia({ name: 'tollgate.email', prefix: '/api' })
    .use(authPlugin(dependencies))
    .get('/verification', async ({ query, request, server }) => {
      const address = dependencies.addressOf(request, server)
      await verifyTurnstile(dependencies, query.turnstile, address)
      const email = normalizeEmail(query.email)
      assertEmailDomainAllowed(caches.options, email)
      requireMail()
      const code = await issueEmailSecret(dependencies, { purpose: 'verify', email, address })
      await mailer({
        to: email, subject: `${systemName()} verification code`,
        text: `Your verification code is ${code}. It is valid for ${lifetimeMinutes('verify')} minutes and works once.\n\nIf you did not ask for it, ignore this e-mail.`,
      })
      return ok()
    }, {
      query: t.Object({ email: Email, ...TurnstileQuery }),
      response: emptyEnvelope,
      detail: { tags: ['Users'], summary: 'Mail a six-digit code proving the address (registration, binding); valid 10 minutes, once' },
    })
    .get('/reset_password', async ({ query, request, server }) => {
      const address = dependencies.addressOf(request, server)
      await verifyTurnstile(dependencies, query.turnstile, address)
      const email = normalizeEmail(query.email)
      requireMail()
      const base = (caches.options.raw.ServerAddress ?? '').trim().replace(/\/+$/, '')
      // The link's host must come from the settings: one built from the Host header could point a victim elsewhere.
      if (!base) throw new GatewayError(503, 'ServerAddress is not set, so no reset link can be built', 'server_address_missing')
      const accounts = await store.users.byEmail(email)
      const account = accounts.length === 1 && accounts[0]!.status === 1 ? accounts[0] : undefined
      const token = await issueEmailSecret(dependencies, { purpose: 'reset', email, address, userId: account?.id, redeemable: account !== undefined })
      if (account) {
        const link = `${base}/reset-password?email=${encodeURIComponent(email)}&token=${encodeURIComponent(token)}`
        // Not awaited: waiting for the SMTP server would tell, by the time taken, that the address has an account.
        mailer({
          to: email, subject: `${systemName()} password reset`,
          text: `Someone asked to reset the password of ${account.username} on ${systemName()}. Open this link within ${lifetimeMinutes('reset')} minutes to choose a new one (it works once):\n\n${link}\n\nIf it was not you, ignore this e-mail; the password stays as it is.`,
        }).catch(() => {})
      }
      return ok(undefined, 'If an account uses this address, a reset link is on its way')
    }, {
      query: t.Object({ email: Email, ...TurnstileQuery }),
      response: emptyEnvelope,
      detail: { tags: ['Users'], summary: 'Mail a single-use password reset link (valid 30 minutes); the answer is the same for any address' },
    })
    .post('/user/reset', async ({ body }) => {
      const email = normalizeEmail(body.email)
      const secret = await checkEmailSecret(dependencies, 'reset', email, body.token)
      const user = await store.users.get(secret.userId)
      if (!user || user.email.toLowerCase() !== email) throw badRequest('The reset link is invalid, used or expired; ask for a new one', 'invalid_reset_link')
      await useEmailSecret(dependencies, secret)
      // new-api answers with a generated password; a client that sends its own choice gets none back.
      const password = body.password ?? randomBytes(9).toString('base64url')
      await store.users.update(user.id, { passwordHash: await hashPassword(password), mustChangePassword: false })
      await caches.invalidate({ kind: 'users', id: user.id })
      await endOtherSessions(dependencies, user.id)
      return body.password ? ok() : ok(password)
    }, {
      body: t.Object({ email: Email, token: t.String({ minLength: 1, maxLength: 200 }), password: t.Optional(t.String({ minLength: 8, maxLength: 64, error: 'password must be 8-64 characters' })) }),
      response: t.Union([envelope(t.String()), emptyEnvelope]),
      detail: { tags: ['Users'], summary: 'Set a new password with a reset link\'s token (`password`, or a generated one returned in data); ends every session' },
    })
    .get('/oauth/email/bind', async ({ query, user }) => bindEmail(dependencies, user.id, query.email, query.code), {
      role: ROLE_USER,
      query: t.Object({ email: Email, code: t.String({ maxLength: 20 }) }),
      response: envelope(UserSchema),
      detail: { tags: ['Users'], summary: 'Bind an e-mail address to the signed-in account with a code from GET /api/verification' },
    })
    .post('/oauth/email/bind', async ({ body, user }) => bindEmail(dependencies, user.id, body.email, body.code), {
      role: ROLE_USER,
      body: t.Object({ email: Email, code: t.String({ maxLength: 20 }) }),
      response: envelope(UserSchema),
      detail: { tags: ['Users'], summary: 'Bind an e-mail address (JSON body variant)' },
    })
}

async function bindEmail(dependencies: ApiDependencies, userId: number, input: string, code: string) {
  const { store, caches } = dependencies
  const email = normalizeEmail(input)
  assertEmailDomainAllowed(caches.options, email)
  const secret = await checkEmailSecret(dependencies, 'verify', email, code)
  // Said only to whoever proved they read this mailbox.
  if ((await store.users.byEmail(email)).some((other) => other.id !== userId)) throw badRequest('This e-mail address is already used by another account', 'email_taken')
  await useEmailSecret(dependencies, secret)
  const updated = (await store.users.update(userId, { email }))!
  await caches.invalidate({ kind: 'users', id: userId })
  return ok(userJson(updated))
}
