import { useAction } from '@solidjs/router'
import { createSignal, For, Show, type JSX } from 'solid-js'
import { notify } from '../../components/toasts.tsx'
import { ActionButton, ErrorBanner, Field } from '../../components/ui.tsx'
import { errorMessage } from '../../lib/api.ts'
import { createLoaded, errorOf, valueOf } from '../../lib/async-data.ts'
import { formatTimestamp } from '../../lib/format.ts'
import { t } from '../../lib/i18n.ts'
import { getPasskeys, registerPasskey, removePasskey } from './security-data.ts'

/** The user's passkeys: add one (the browser's WebAuthn dialog), see when each was last used, remove one. */
export function PasskeysCard(): JSX.Element {
  const list = createLoaded(() => getPasskeys())
  const [name, setName] = createSignal('')
  const [error, setError] = createSignal<string | null>(null)
  const register = useAction(registerPasskey)
  const remove = useAction(removePasskey)

  const add = async () => {
    setError(null)
    try {
      await register(name().trim())
      setName('')
      notify('success', t('passkeys.added'))
    } catch (problem) {
      if ((problem as Error).name !== 'NotAllowedError') setError(errorMessage(problem))
    }
  }

  return (
    <section class="card form" data-testid="passkeys-card">
      <h2>{t('passkeys.title')}</h2>
      <ErrorBanner message={error() ?? errorOf(list())} />
      <Show when={(valueOf(list()) ?? []).length > 0} fallback={<p class="muted">{t('passkeys.none')}</p>}>
        <ul class="passkey-list" data-testid="passkey-list">
          <For each={valueOf(list())}>
            {(passkey) => (
              <li>
                <strong>{passkey.name}</strong>
                <span class="muted"> {t('passkeys.added_at', { time: formatTimestamp(passkey.created_at) })}</span>
                <span class="muted"> · {passkey.last_used_at ? t('passkeys.last_used', { time: formatTimestamp(passkey.last_used_at) }) : t('passkeys.never_used')}</span>
                <ActionButton class="button small danger" action={async () => {
                  try { await remove(passkey.id); notify('success', t('passkeys.removed')) } catch (problem) { setError(errorMessage(problem)) }
                }}>{t('passkeys.remove')}</ActionButton>
              </li>
            )}
          </For>
        </ul>
      </Show>
      <Field label={t('passkeys.name')} for="passkey-name">
        <input id="passkey-name" maxLength={64} placeholder={t('passkeys.name_placeholder')} value={name()} onInput={(event) => setName(event.currentTarget.value)} />
      </Field>
      <div class="form-actions">
        <ActionButton class="button primary" action={add}>{t('passkeys.add')}</ActionButton>
      </div>
    </section>
  )
}
