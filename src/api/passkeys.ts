import { Elysia, t } from 'elysia'
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server'
import { clearFlowCookie, flowCookie } from '../auth/auth-flows.ts'
import {
  beginRegistration, beginSignIn, beginVerification, finishRegistration, finishSignIn, finishVerification, PASSKEY_CHALLENGE_SECONDS, passkeyJson, usableSettings,
} from '../auth/passkeys.ts'
import { markPasskeyChecked, verifiableSession } from '../auth/secure-verification.ts'
import { readPasskeySettings } from '../auth/second-factor-settings.ts'
import { readCookie, secureCookies } from '../auth/session.ts'
import { createLoginThrottle } from '../auth/throttle.ts'
import { GatewayError, notFound } from '../errors.ts'
import { authPlugin, emptyEnvelope, envelope, ok, ROLE_USER, type ApiDependencies } from './context.ts'
import { completeSignIn } from './sign-in.ts'

/** The challenge's token rides in this cookie: a ceremony finishes only in the browser that began it. */
const CHALLENGE_COOKIE = 'passkey_challenge'
const CHALLENGE_COOKIE_PATH = '/api/user/passkey'
export const UNFINISHED_SIGN_IN_LIMIT = 30

/** A WebAuthn answer as @simplewebauthn/browser sends it; the library checks its inside. */
const CredentialBody = t.Object({
  id: t.String({ minLength: 1, maxLength: 1024 }), type: t.String(), response: t.Record(t.String(), t.Unknown()), name: t.Optional(t.String({ maxLength: 64 })),
}, { additionalProperties: true })
const PasskeySchema = t.Object({ id: t.Integer(), name: t.String(), created_at: t.Number(), last_used_at: t.Number(), transports: t.Array(t.String()) })

/**
 * new-api's passkey routes: register (begin/finish), list/remove and verify (begin/finish, for secure
 * verification) for the signed-in user, and discoverable sign-in (begin/finish) for anyone. Several passkeys per user; `DELETE /api/user/passkey` removes all of them
 * (new-api has one per user), `DELETE /api/user/passkey/:id` one.
 */
export function passkeyRoutes(dependencies: ApiDependencies) {
  const { store, caches } = dependencies
  const settings = () => usableSettings(readPasskeySettings(caches.options.raw))
  const challengeCookie = (token: string) => flowCookie(CHALLENGE_COOKIE, CHALLENGE_COOKIE_PATH, token, PASSKEY_CHALLENGE_SECONDS, secureCookies())
  const challengeOf = (request: Request) => readCookie(request.headers.get('cookie'), CHALLENGE_COOKIE)
  const cleared = clearFlowCookie(CHALLENGE_COOKIE, CHALLENGE_COOKIE_PATH)
  // Anyone may begin a passkey sign-in, and each begin stores a challenge: an address that begins more than
  // UNFINISHED_SIGN_IN_LIMIT without finishing one is refused for ten minutes, so a flood cannot fill the table.
  const unfinished = createLoginThrottle({ freeAttempts: UNFINISHED_SIGN_IN_LIMIT, lockoutAfter: UNFINISHED_SIGN_IN_LIMIT, windowMs: 10 * 60_000 })

  return new Elysia({ name: 'tollgate.passkeys', prefix: '/api/user/passkey' })
    .use(authPlugin(dependencies))
    .post('/login/begin', async ({ request, server, set }) => {
      const address = dependencies.addressOf(request, server)
      if (unfinished.delayFor(address) < 0) {
        set.headers['retry-after'] = String(unfinished.retryAfter(address))
        throw new GatewayError(429, 'Too many passkey sign-ins begun from this address; try again later', 'too_many_attempts')
      }
      unfinished.failed(address)
      const { options, flow } = await beginSignIn(dependencies, settings())
      set.headers['set-cookie'] = challengeCookie(flow.token)
      return ok({ options })
    }, { detail: { tags: ['Passkeys'], summary: 'Start a passkey sign-in: WebAuthn request options (discoverable credentials)' } })
    .post('/login/finish', async ({ body, request, server, set }) => {
      const user = await finishSignIn(dependencies, settings(), challengeOf(request), body as unknown as AuthenticationResponseJSON)
      const address = dependencies.addressOf(request, server)
      unfinished.succeeded(address)
      return completeSignIn(dependencies, user, 'passkey', request, address, set, [cleared])
    }, { body: CredentialBody, detail: { tags: ['Passkeys'], summary: 'Finish a passkey sign-in with the authenticator\'s answer; sets the session cookie' } })
    .get('/', async ({ user }) => {
      const passkeys = await store.passkeys.listForUser(user.id)
      const lastUsed = Math.max(0, ...passkeys.map((passkey) => Number(passkey.lastUsedAt)))
      return ok({ enabled: passkeys.length > 0, last_used_at: lastUsed || null, passkeys: passkeys.map(passkeyJson) })
    }, {
      role: ROLE_USER,
      response: envelope(t.Object({ enabled: t.Boolean(), last_used_at: t.Union([t.Number(), t.Null()]), passkeys: t.Array(PasskeySchema) })),
      detail: { tags: ['Passkeys'], summary: 'The signed-in user\'s passkeys' },
    })
    .post('/register/begin', async ({ user, set }) => {
      const { options, flow } = await beginRegistration(dependencies, settings(), user)
      set.headers['set-cookie'] = challengeCookie(flow.token)
      return ok({ options })
    }, { role: ROLE_USER, detail: { tags: ['Passkeys'], summary: 'Start registering a passkey: WebAuthn creation options' } })
    .post('/register/finish', async ({ user, body, request, set }) => {
      const passkey = await finishRegistration(dependencies, settings(), user, challengeOf(request), body as unknown as RegistrationResponseJSON, String(body.name ?? ''))
      set.headers['set-cookie'] = cleared
      return ok(passkeyJson(passkey), 'Passkey registered')
    }, {
      role: ROLE_USER, body: CredentialBody, response: envelope(PasskeySchema),
      detail: { tags: ['Passkeys'], summary: 'Finish registering with the authenticator\'s answer (optional `name` beside it)' },
    })
    .post('/verify/begin', async ({ user, set }) => {
      const { options, flow } = await beginVerification(dependencies, settings(), user)
      set.headers['set-cookie'] = challengeCookie(flow.token)
      return ok({ options })
    }, { role: ROLE_USER, detail: { tags: ['Passkeys'], summary: 'Start a passkey check of the signed-in user (secure verification)' } })
    .post('/verify/finish', async ({ user, body, request, set }) => {
      const sessionId = verifiableSession(dependencies, request)
      await finishVerification(dependencies, settings(), user, challengeOf(request), body as unknown as AuthenticationResponseJSON)
      await markPasskeyChecked(dependencies, sessionId, user)
      set.headers['set-cookie'] = cleared
      return ok(undefined, 'Passkey verified; confirm with POST /api/verify {"method":"passkey"}')
    }, { role: ROLE_USER, body: CredentialBody, response: emptyEnvelope, detail: { tags: ['Passkeys'], summary: 'Finish the passkey check; then POST /api/verify with method passkey' } })
    .delete('/', async ({ user }) => {
      await store.passkeys.remove(user.id)
      return ok(undefined, 'Passkeys removed')
    }, { role: ROLE_USER, response: emptyEnvelope, detail: { tags: ['Passkeys'], summary: 'Remove all of the user\'s passkeys' } })
    .delete('/:id', async ({ user, params }) => {
      if ((await store.passkeys.remove(user.id, params.id)) === 0) throw notFound('No such passkey')
      return ok(undefined, 'Passkey removed')
    }, { role: ROLE_USER, params: t.Object({ id: t.Numeric() }), response: emptyEnvelope, detail: { tags: ['Passkeys'], summary: 'Remove one passkey' } })
}
