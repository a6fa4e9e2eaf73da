import { action, query, useAction } from '@solidjs/router'
import { For, Show, type JSX } from 'solid-js'
import { createSecretOptionsForm } from '../../components/secret-options-form.ts'
import { ActionButton, ErrorBanner, Field } from '../../components/ui.tsx'
import { api } from '../../lib/api.ts'
import { t, type MessageKey } from '../../lib/i18n.ts'
import type { Option } from '../../lib/types.ts'

interface SignInField { key: string; label: MessageKey; kind?: 'switch'; secret?: boolean; hint?: MessageKey }
interface ProviderGroup { title: string; callback?: string; fields: SignInField[] }

/** A provider's switch, client id and write-only client secret. */
const clientFields = (enabled: string, clientId: string, clientSecret: string): SignInField[] => [
  { key: enabled, label: 'sign_in_settings.enabled', kind: 'switch' },
  { key: clientId, label: 'sign_in_settings.client_id' },
  { key: clientSecret, label: 'sign_in_settings.client_secret', secret: true },
]

/** new-api's option names for each provider (README "Sign-in with GitHub, OIDC, LinuxDO, Discord and Telegram"). */
const groups: ProviderGroup[] = [
  { title: 'GitHub', callback: 'github', fields: clientFields('GitHubOAuthEnabled', 'GitHubClientId', 'GitHubClientSecret') },
  { title: 'OpenID Connect', callback: 'oidc', fields: [
    ...clientFields('oidc.enabled', 'oidc.client_id', 'oidc.client_secret'),
    { key: 'oidc.well_known', label: 'sign_in_settings.well_known', hint: 'sign_in_settings.well_known_hint' },
    { key: 'oidc.display_name', label: 'sign_in_settings.display_name' },
    { key: 'oidc.authorization_endpoint', label: 'sign_in_settings.authorization_endpoint', hint: 'sign_in_settings.endpoint_hint' },
    { key: 'oidc.token_endpoint', label: 'sign_in_settings.token_endpoint', hint: 'sign_in_settings.endpoint_hint' },
    { key: 'oidc.user_info_endpoint', label: 'sign_in_settings.user_info_endpoint', hint: 'sign_in_settings.endpoint_hint' },
  ] },
  { title: 'LinuxDO', callback: 'linuxdo', fields: [
    ...clientFields('LinuxDOOAuthEnabled', 'LinuxDOClientId', 'LinuxDOClientSecret'),
    { key: 'LinuxDOMinimumTrustLevel', label: 'sign_in_settings.minimum_trust_level' },
  ] },
  { title: 'Discord', callback: 'discord', fields: clientFields('discord.enabled', 'discord.client_id', 'discord.client_secret') },
  { title: 'Telegram', fields: [
    { key: 'TelegramOAuthEnabled', label: 'sign_in_settings.enabled', kind: 'switch' },
    { key: 'TelegramBotName', label: 'sign_in_settings.bot_name', hint: 'sign_in_settings.bot_name_hint' },
    { key: 'TelegramBotToken', label: 'sign_in_settings.bot_token', secret: true },
  ] },
]
const fields = groups.flatMap((group) => group.fields)

const getSignInOptions = query(async () =>
  Object.fromEntries((await api.get<Option[]>('/api/option/')).map((row) => [row.key, row.value])) as Record<string, string>, 'sign-in-options')

const saveSignInOptions = action(async (changes: [string, string][]) => {
  // One key per call (new-api §6); the first refusal stops the rest and is shown.
  for (const [key, value] of changes) await api.put('/api/option/', { key, value })
}, 'sign-in-options-save')

/** Root's settings for the sign-in providers. Secrets are write-only: never shown, kept when left empty. */
export function SignInSettingsPage(): JSX.Element {
  const form = createSecretOptionsForm(fields, getSignInOptions, useAction(saveSignInOptions))
  const values = form.values
  const base = () => (form.stored()?.ServerAddress || location.origin).replace(/\/+$/, '')

  return (
    <section class="page narrow">
      <h1>{t('nav.sign_in_settings')}</h1>
      <ErrorBanner message={form.error()} />
      <div class="banner banner-info">{t('sign_in_settings.server_address_hint')}</div>
      <form class="card form" onSubmit={(event) => { event.preventDefault(); void form.submit() }} data-testid="sign-in-settings">
        <For each={groups}>
          {(group) => (
            <fieldset class="form-group">
              <legend><h2>{group.title}</h2></legend>
              <Show when={group.callback}>
                <div class="field-hint">{t('sign_in_settings.callback_url')}: <code data-testid={`callback-${group.callback}`}>{base()}/oauth/{group.callback}</code></div>
              </Show>
              <For each={group.fields}>
                {(field) => (
                  <Show when={field.kind === 'switch'} fallback={
                    <Field label={t(field.label)} for={`sign-in-${field.key}`} hint={field.hint ? t(field.hint) : field.secret ? t('sign_in_settings.secret_hint') : undefined}>
                      <input id={`sign-in-${field.key}`} type={field.secret ? 'password' : 'text'} autocomplete="off" value={values()[field.key] ?? ''} onInput={(event) => form.set(field.key, event.currentTarget.value)} />
                    </Field>
                  }>
                    <label class="check">
                      <input id={`sign-in-${field.key}`} type="checkbox" checked={values()[field.key] === 'true'} onChange={(event) => form.set(field.key, event.currentTarget.checked ? 'true' : 'false')} />
                      {t(field.label)}
                    </label>
                  </Show>
                )}
              </For>
            </fieldset>
          )}
        </For>
        <div class="form-actions"><ActionButton class="button primary" type="button" action={form.submit}>{t('common.save')}</ActionButton></div>
      </form>
    </section>
  )
}
