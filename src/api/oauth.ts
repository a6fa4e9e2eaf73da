import { Elysia, t } from 'elysia'
import { oauthProvider, oauthProviders } from '../auth/oauth/index.ts'
import type { OAuthProvider } from '../auth/oauth/provider.ts'
import { optionReader } from '../auth/oauth/settings.ts'
import { bindIdentity, signInWithIdentity, unbindIdentity } from '../auth/oauth/sign-in.ts'
import { createStartLimit } from '../auth/oauth/start-limit.ts'
import { startState, takeState } from '../auth/oauth/state.ts'
import { telegram, telegramSettings, verifyTelegramLogin } from '../auth/oauth/telegram.ts'
import { authenticate } from '../auth/session.ts'
import type { UserRow } from '../db/store.ts'
import { badRequest, forbidden, notFound } from '../errors.ts'
import { authPlugin, emptyEnvelope, envelope, ok, ROLE_USER, type ApiDependencies } from './context.ts'

const SignedIn = t.Object({ id: t.Integer(), username: t.String(), display_name: t.String(), role: t.Integer(), status: t.Integer(), group: t.String() })
const signedInJson = (user: UserRow) => ({ id: user.id, username: user.username, display_name: user.displayName, role: user.role, status: user.status, group: user.group })
const bound = () => ok({ action: 'bind' }, 'bind success')

/**
 * OAuth and Telegram sign-in (new-api's `/api/oauth/*`): start with `GET /api/oauth/state?provider=`, send the browser
 * to the `authorize_url` it answers, and call `GET /api/oauth/{provider}?code=&state=` from the console page the
 * provider redirects back to. The state says whether the sign-in signs in (or signs up) or binds to the signed-in user.
 */
export function oauthRoutes(dependencies: ApiDependencies) {
  const { caches, secretBox } = dependencies
  const options = () => optionReader(caches.options, secretBox)
  const context = () => ({ options: options(), config: dependencies.config })
  const identitySources = [...oauthProviders, telegram]
  const startLimit = createStartLimit()

  const enabledProvider = (name: string): OAuthProvider => {
    const provider = oauthProvider(name)
    if (!provider) throw notFound(`There is no sign-in provider named ${name}`)
    if (!provider.settings(options()).enabled) throw forbidden(`Sign-in with ${provider.label} is not enabled by the administrator`, 'oauth_disabled')
    return provider
  }
  /** The console page the provider sends the browser back to; ServerAddress when set (behind a proxy it must be). */
  const redirectUri = (request: Request, provider: string) => `${(caches.options.raw.ServerAddress || new URL(request.url).origin).replace(/\/+$/, '')}/oauth/${provider}`
  const signInContext = (request: Request, server: Parameters<ApiDependencies['addressOf']>[1]) => ({ address: dependencies.addressOf(request, server), userAgent: request.headers.get('user-agent') ?? '' })

  return new Elysia({ name: 'tollgate.oauth', prefix: '/api/oauth' })
    .use(authPlugin(dependencies))
    .get('/state', async ({ query, request, server, set }) => {
      startLimit.check(dependencies.addressOf(request, server))
      const provider = enabledProvider(query.provider)
      const action = query.action ?? 'login'
      // Binding needs the account to bind to, known now: the callback checks the same session is still there.
      const userId = action === 'bind' ? (await authenticate(dependencies, request)).id : 0
      const callback = redirectUri(request, provider.name)
      const started = await startState(dependencies, request, { provider: provider.name, action, userId, invitation: query.aff ?? '', redirectUri: callback })
      if (started.setCookie) set.headers['set-cookie'] = started.setCookie
      const authorizeUrl = await provider.authorizeUrl(context(), { ...started, redirectUri: callback })
      return { success: true, message: '', data: started.state, authorize_url: authorizeUrl }
    }, {
      query: t.Object({ provider: t.String({ minLength: 1, maxLength: 32 }), action: t.Optional(t.UnionEnum(['login', 'bind'])), aff: t.Optional(t.String({ maxLength: 64 })) }),
      response: t.Object({ success: t.Boolean(), message: t.String(), data: t.String(), authorize_url: t.String() }),
      detail: { tags: ['Sign-in'], summary: 'Start an OAuth sign-in or bind: a single-use state bound to this browser, and the provider URL to send it to' },
    })
    .get('/telegram/login', async ({ request, server, set }) => {
      startLimit.check(dependencies.addressOf(request, server))
      const identity = verifiedTelegram(request)
      const { user, setCookie } = await signInWithIdentity(dependencies, telegram, identity, { ...signInContext(request, server), invitation: '' })
      set.headers['set-cookie'] = setCookie
      return ok(signedInJson(user))
    }, { response: envelope(SignedIn), detail: { tags: ['Sign-in'], summary: 'Sign in with the Telegram login widget\'s data (query: id, first_name, …, auth_date, hash)' } })
    .get('/telegram/bind', async ({ request, user }) => {
      await bindIdentity(dependencies, user, telegram, verifiedTelegram(request))
      return bound()
    }, { role: ROLE_USER, response: envelope(t.Object({ action: t.String() })), detail: { tags: ['Sign-in'], summary: 'Bind a Telegram account (the login widget\'s data) to the signed-in user' } })
    .post('/:provider/unbind', async ({ params, user }) => {
      const source = identitySources.find((candidate) => candidate.name === params.provider)
      if (!source) throw notFound(`There is no sign-in provider named ${params.provider}`)
      await unbindIdentity(dependencies, user, source, identitySources.map((candidate) => candidate.column))
      return ok()
    }, { role: ROLE_USER, params: t.Object({ provider: t.String() }), response: emptyEnvelope, detail: { tags: ['Sign-in'], summary: 'Unbind a provider from the signed-in user' } })
    .get('/:provider', async ({ params, query, request, server, set }) => {
      const provider = enabledProvider(params.provider)
      const pending = await takeState(dependencies, request, provider.name, query.state)
      if (query.error) throw badRequest(`${provider.label} did not sign you in: ${query.error_description || query.error}`, 'oauth_denied')
      if (!query.code) throw badRequest('The provider sent no code', 'oauth_denied')
      // The exchange repeats the redirect URI the provider was given, whichever node or address it is answered on.
      const identity = await provider.identify(context(), { code: query.code, codeVerifier: pending.codeVerifier, nonce: pending.nonce, redirectUri: pending.redirectUri })
      if (pending.action === 'bind') {
        const user = await authenticate(dependencies, request)
        if (user.id !== pending.userId) throw forbidden('This bind was started by another account; start it again', 'oauth_state_invalid')
        await bindIdentity(dependencies, user, provider, identity)
        return bound()
      }
      const { user, setCookie } = await signInWithIdentity(dependencies, provider, identity, { ...signInContext(request, server), invitation: pending.invitation })
      set.headers['set-cookie'] = setCookie
      return ok(signedInJson(user))
    }, {
      params: t.Object({ provider: t.String() }),
      query: t.Object({ code: t.Optional(t.String({ maxLength: 2048 })), state: t.Optional(t.String({ maxLength: 256 })), error: t.Optional(t.String()), error_description: t.Optional(t.String()) }, { additionalProperties: true }),
      response: envelope(t.Union([SignedIn, t.Object({ action: t.String() })])),
      detail: { tags: ['Sign-in'], summary: 'OAuth callback (GitHub, OIDC, LinuxDO, Discord): signs in, signs up or binds, as the state says' },
    })

  /**
   * The widget's fields exactly as sent (the hash covers them as strings), verified with the bot token. Widget data
   * stays valid for a day and carries no state, so a page elsewhere that sends a signed-in browser here with the
   * attacker's own data would bind the attacker's Telegram to that account (or sign the browser into the attacker's):
   * a browser's cross-site request is refused. The console calls these routes from its own pages; clients that are
   * not browsers send no Sec-Fetch-Site.
   */
  function verifiedTelegram(request: Request) {
    const settings = telegramSettings(options())
    if (!settings.enabled) throw forbidden('Sign-in with Telegram is not enabled by the administrator', 'oauth_disabled')
    const site = request.headers.get('sec-fetch-site')
    if (site && site !== 'same-origin') throw forbidden('Telegram sign-in must be sent from this site\'s own pages', 'cross_site_refused')
    const fields = Object.fromEntries(new URL(request.url).searchParams)
    return verifyTelegramLogin(fields, options().secret('TelegramBotToken'))
  }
}
