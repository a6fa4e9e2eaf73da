import { Elysia, t } from 'elysia'
import { badRequest } from '../errors.ts'
import { isSecretOptionKey, validateOption } from '../cache/options.ts'
import { authPlugin, envelope, emptyEnvelope, ok, ROLE_ADMIN, ROLE_ROOT, ROLE_USER, type ApiDependencies } from './context.ts'
import { defaultModelsByType } from './catalog.ts'

const startTime = Math.floor(Date.now() / 1000)
export const VERSION = '0.1.0'

/** Public status, options (root), groups and model catalogue. */
export function systemRoutes(dependencies: ApiDependencies) {
  const { caches, store } = dependencies
  return new Elysia({ name: 'tollgate.system', prefix: '/api' })
    .use(authPlugin(dependencies))
    .get('/status', () => {
      const options = caches.options
      const raw = options.raw
      return ok({
        version: VERSION, start_time: startTime, system_name: raw.SystemName ?? 'Tollgate', logo: raw.Logo ?? '', footer_html: raw.Footer ?? '',
        server_address: raw.ServerAddress ?? '', quota_per_unit: options.quotaPerUnit, display_in_currency: raw.DisplayInCurrencyEnabled === 'true',
        quota_display_type: options.quotaDisplayType, usd_exchange_rate: options.usdExchangeRate, price: Number(raw.Price ?? 7.3),
        register_enabled: options.registerEnabled, password_login_enabled: options.passwordLoginEnabled,
        password_register_enabled: options.passwordRegisterEnabled, self_use_mode_enabled: options.selfUseMode, demo_site_enabled: false,
        email_verification: false, github_oauth: false, turnstile_check: false, setup: true, theme: 'default', enable_task: true,
        enable_drawing: false, enable_data_export: true, docs_link: '/swagger', chats: [],
      })
    }, { response: envelope(t.Record(t.String(), t.Unknown())), detail: { tags: ['System'], summary: 'Public status: version, display settings, sign-up switches' } })
    .get('/models', () => ok(Object.fromEntries(Object.entries(defaultModelsByType).map(([type, models]) => [type, models]))), {
      role: ROLE_USER, response: envelope(t.Record(t.String(), t.Array(t.String()))), detail: { tags: ['System'], summary: 'Known model names per channel type (prefills the channel form)' },
    })
    .get('/group', () => ok(Object.keys(caches.options.groupRatio)), {
      role: ROLE_ADMIN, response: envelope(t.Array(t.String())), detail: { tags: ['System'], summary: 'Group names (keys of GroupRatio)' },
    })
    .get('/option/', () => ok(Object.entries(caches.options.raw).filter(([key]) => !isSecretOptionKey(key)).map(([key, value]) => ({ key, value }))), {
      role: ROLE_ROOT, response: envelope(t.Array(t.Object({ key: t.String(), value: t.String() }))), detail: { tags: ['Options'], summary: 'All options (secrets left out)' },
    })
    .put('/option/', async ({ body }) => {
      let value: string
      try { value = validateOption(body.key, body.value) } catch (error) { throw badRequest((error as Error).message, 'invalid_option') }
      await store.options.set(body.key, value)
      await caches.invalidate({ kind: 'options' })
      return ok()
    }, {
      role: ROLE_ROOT,
      body: t.Object({ key: t.String({ minLength: 1, maxLength: 255 }), value: t.Union([t.String({ maxLength: 1_000_000 }), t.Number(), t.Boolean(), t.Record(t.String(), t.Unknown())]) }),
      response: emptyEnvelope,
      detail: { tags: ['Options'], summary: 'Set one option; map-valued options take JSON text' },
    })
}
