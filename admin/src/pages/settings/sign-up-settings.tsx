import { revalidate } from '@solidjs/router'
import { createEffect, createResource, createSignal, For, Match, Switch, type JSX } from 'solid-js'
import { notify } from '../../components/toasts.tsx'
import { ActionButton, ErrorBanner, Field } from '../../components/ui.tsx'
import { api, errorMessage } from '../../lib/api.ts'
import { t, type MessageKey } from '../../lib/i18n.ts'
import { loadStatus } from '../../lib/session.ts'
import type { Option } from '../../lib/types.ts'

type Kind = 'boolean' | 'text' | 'secret'
interface SignUpField { key: string; label: MessageKey; kind: Kind; hint?: MessageKey }

/** new-api's option names; secrets are write-only: the server seals them and only says whether one is set. */
const fields: SignUpField[] = [
  { key: 'PasswordRegisterEnabled', label: 'settings.password_register', kind: 'boolean' },
  { key: 'EmailVerificationEnabled', label: 'settings.email_verification', kind: 'boolean' },
  { key: 'EmailDomainRestrictionEnabled', label: 'settings.email_domain_restriction', kind: 'boolean' },
  { key: 'EmailDomainWhitelist', label: 'settings.email_domain_whitelist', kind: 'text', hint: 'settings.email_domain_whitelist_hint' },
  { key: 'SMTPServer', label: 'settings.smtp_server', kind: 'text' },
  { key: 'SMTPPort', label: 'settings.smtp_port', kind: 'text', hint: 'settings.smtp_port_hint' },
  { key: 'SMTPSSLEnabled', label: 'settings.smtp_ssl', kind: 'boolean' },
  { key: 'SMTPAccount', label: 'settings.smtp_account', kind: 'text' },
  { key: 'SMTPToken', label: 'settings.smtp_token', kind: 'secret' },
  { key: 'SMTPFrom', label: 'settings.smtp_from', kind: 'text', hint: 'settings.smtp_from_hint' },
  { key: 'TurnstileCheckEnabled', label: 'settings.turnstile_check', kind: 'boolean' },
  { key: 'TurnstileSiteKey', label: 'settings.turnstile_site_key', kind: 'text' },
  { key: 'TurnstileSecretKey', label: 'settings.turnstile_secret_key', kind: 'secret' },
]

async function loadSignUpOptions() {
  const [list, secrets] = await Promise.all([api.get<Option[]>('/api/option/'), api.get<Record<string, boolean>>('/api/option/secrets')])
  return { options: Object.fromEntries((list ?? []).map((option) => [option.key, option.value ?? ''])) as Record<string, string>, secrets: secrets ?? {} }
}

/** The settings tab for registration, e-mail verification, SMTP and Turnstile. */
export function SignUpSettings(): JSX.Element {
  const [stored, { refetch }] = createResource(loadSignUpOptions)
  const [values, setValues] = createSignal<Record<string, string>>({})
  createEffect(() => {
    const loaded = stored()
    if (loaded) setValues(Object.fromEntries(fields.map((field) => [field.key, field.kind === 'secret' ? '' : loaded.options[field.key] ?? ''])))
  })
  const set = (key: string, value: string) => setValues((current) => ({ ...current, [key]: value }))

  const save = async () => {
    const before = stored()?.options ?? {}
    // A secret left empty keeps the stored one.
    const changes = fields.filter((field) => (field.kind === 'secret' ? values()[field.key] !== '' : (values()[field.key] ?? '') !== (before[field.key] ?? '')))
    if (changes.length === 0) return notify('info', t('settings.nothing_changed'))
    try {
      for (const field of changes) await api.put('/api/option/', { key: field.key, value: values()[field.key] ?? '' })
      notify('success', t('settings.saved_count', { count: changes.length }))
    } catch (problem) {
      notify('error', errorMessage(problem))
    }
    await refetch()
    void revalidate('options')
    void loadStatus()
  }

  const secretHint = (key: string) => t(stored()?.secrets[key] ? 'settings.secret_set' : 'settings.secret_unset')
  const serverAddress = () => (stored()?.options.ServerAddress || location.origin).replace(/\/+$/, '')

  return (
    <form class="card form grid-form" data-testid="settings-sign-up" onSubmit={(event) => { event.preventDefault(); void save() }} novalidate>
      <ErrorBanner message={stored.error ? errorMessage(stored.error) : null} />
      <div class="banner banner-info wide">{t('settings.reset_link_hint', { address: serverAddress() })}</div>
      <For each={fields}>
        {(field) => (
          <Switch>
            <Match when={field.kind === 'boolean'}>
              <div class="field">
                <label class="check">
                  <input type="checkbox" checked={values()[field.key] === 'true'} onChange={(event) => set(field.key, event.currentTarget.checked ? 'true' : 'false')} />
                  {t(field.label)}
                </label>
              </div>
            </Match>
            <Match when={field.kind !== 'boolean'}>
              <Field label={t(field.label)} for={`option-${field.key}`} hint={field.kind === 'secret' ? secretHint(field.key) : field.hint ? t(field.hint) : undefined}>
                <input id={`option-${field.key}`} type={field.kind === 'secret' ? 'password' : 'text'} autocomplete="off" value={values()[field.key] ?? ''} onInput={(event) => set(field.key, event.currentTarget.value)} />
              </Field>
            </Match>
          </Switch>
        )}
      </For>
      <div class="form-actions wide"><ActionButton class="button primary" type="button" action={save}>{t('common.save')}</ActionButton></div>
    </form>
  )
}
