import { Elysia, t } from 'elysia'
import { badRequest } from '../errors.ts'
import { isSecretOptionKey, validateOption } from '../cache/options.ts'
import { authPlugin, envelope, emptyEnvelope, ok, ROLE_ADMIN, ROLE_ROOT, ROLE_USER, type ApiDependencies } from './context.ts'
import { defaultModelsByType } from '../providers/channel-types.ts'
import { priceFor } from '../billing/pricing.ts'
import { sealedOptionKeys as sealedPaymentKeys, validatePaymentOption } from '../payments/settings.ts'
import { optionReader, sealedSignInOptionKeys, signInStatus } from '../auth/oauth/settings.ts'

/** Secret options sealed at rest with CRYPTO_SECRET and never returned: payments', SMTP's, Turnstile's and the sign-in providers'. */
const sealedOptionKeys = new Set([...sealedPaymentKeys, 'SMTPToken', 'TurnstileSecretKey', ...sealedSignInOptionKeys])
import { passkeyStatus, validateSecondFactorOption } from '../auth/second-factor-settings.ts'

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
        email_verification: raw.EmailVerificationEnabled === 'true',
        turnstile_check: raw.TurnstileCheckEnabled === 'true', turnstile_site_key: raw.TurnstileCheckEnabled === 'true' ? raw.TurnstileSiteKey ?? '' : '',
        ...signInStatus(optionReader(options, dependencies.secretBox)), setup: true, theme: 'default', enable_task: true,
        enable_drawing: false, enable_data_export: true, docs_link: '/swagger', chats: [],
        ...passkeyStatus(raw),
      })
    }, { response: envelope(t.Record(t.String(), t.Unknown())), detail: { tags: ['System'], summary: 'Public status: version, display settings, sign-up switches' } })
    .get('/pricing', () => {
      const options = caches.options
      const groupsByModel = new Map<string, string[]>()
      for (const [group, models] of caches.routing.modelsByGroup) {
        for (const model of models) groupsByModel.set(model, [...(groupsByModel.get(model) ?? []), group])
      }
      const data = [...groupsByModel.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([model, groups]) => {
        const price = priceFor(options, model, 1)
        return {
          model_name: model, enable_groups: groups, owner_by: '', supported_endpoint_types: ['openai'],
          quota_type: price?.kind === 'per-call' ? 1 : 0,
          model_ratio: price?.kind === 'ratio' ? price.modelRatio : 0,
          model_price: price?.kind === 'per-call' ? price.price : 0,
          completion_ratio: price?.kind === 'ratio' ? price.completionRatio : 0,
          cache_ratio: price?.kind === 'ratio' ? price.cacheRatio : undefined,
          create_cache_ratio: price?.kind === 'ratio' ? price.createCacheRatio : undefined,
          priced: price !== undefined,
        }
      })
      const version = Bun.hash(JSON.stringify([options.raw.ModelRatio, options.raw.CompletionRatio, options.raw.ModelPrice, options.raw.GroupRatio, data.length])).toString(36)
      return { success: true, data, group_ratio: options.groupRatio, usable_group: options.userUsableGroups, vendors: [], supported_endpoint: {}, auto_groups: options.autoGroups, pricing_version: version }
    }, {
      response: t.Object({ success: t.Boolean(), data: t.Array(t.Record(t.String(), t.Unknown())), group_ratio: t.Record(t.String(), t.Number()), usable_group: t.Record(t.String(), t.Unknown()) }, { additionalProperties: true }),
      detail: { tags: ['System'], summary: 'Public price list: every served model with its ratios or per-call price and groups' },
    })
    .get('/models', () => ok(Object.fromEntries(Object.entries(defaultModelsByType).map(([type, models]) => [type, models]))), {
      role: ROLE_USER, response: envelope(t.Record(t.String(), t.Array(t.String()))), detail: { tags: ['System'], summary: 'Known model names per channel type (prefills the channel form)' },
    })
    .get('/group', () => ok(Object.keys(caches.options.groupRatio)), {
      role: ROLE_ADMIN, response: envelope(t.Array(t.String())), detail: { tags: ['System'], summary: 'Group names (keys of GroupRatio)' },
    })
    .get('/option/', () => ok(Object.entries(caches.options.raw).filter(([key]) => !isSecretOptionKey(key)).map(([key, value]) => ({ key, value }))), {
      role: ROLE_ROOT, response: envelope(t.Array(t.Object({ key: t.String(), value: t.String() }))), detail: { tags: ['Options'], summary: 'All options (secrets left out)' },
    })
    .get('/option/secrets', () => ok(Object.fromEntries([...sealedOptionKeys].map((key) => [key, (caches.options.raw[key] ?? '') !== '']))), {
      role: ROLE_ROOT, response: envelope(t.Record(t.String(), t.Boolean())), detail: { tags: ['Options'], summary: 'Which write-only secret options are set (never their values)' },
    })
    .put('/option/', async ({ body }) => {
      let value: string
      try { value = validateSecondFactorOption(body.key, validatePaymentOption(body.key, validateOption(body.key, body.value))) } catch (error) { throw badRequest((error as Error).message, 'invalid_option') }
      // Payment and sign-in secrets are sealed at rest (src/payments/settings.ts, src/auth/oauth/settings.ts read them).
      if (sealedOptionKeys.has(body.key) && value !== '') value = dependencies.secretBox.seal(value)
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
