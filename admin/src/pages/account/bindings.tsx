import { createSignal, For, Show, type JSX } from 'solid-js'
import { notify } from '../../components/toasts.tsx'
import { ActionButton, ErrorBanner } from '../../components/ui.tsx'
import { errorMessage } from '../../lib/api.ts'
import { t } from '../../lib/i18n.ts'
import { boundIdentity, enabledProviders, providerLabel, sendTelegramLogin, startOAuth, unbindProvider, type OAuthProviderName, type ProviderEntry } from '../../lib/oauth.ts'
import { loadSelf, status, user } from '../../lib/session.ts'
import { TelegramWidget } from '../oauth/telegram-widget.tsx'

/** The account page's sign-in bindings: per enabled provider, the bound identity with unbind, or a way to bind. */
export function Bindings(): JSX.Element {
  const [error, setError] = createSignal<string | null>(null)
  const entries = () => enabledProviders(status())
  const unbind = async (entry: ProviderEntry) => {
    setError(null)
    try {
      await unbindProvider(entry.name)
      await loadSelf()
      notify('success', t('oauth.unbound'))
    } catch (problem) {
      setError(errorMessage(problem))
    }
  }
  const bindTelegram = (data: Record<string, string | number>) => void sendTelegramLogin(data, 'bind').then(async () => {
    await loadSelf()
    notify('success', t('oauth.bound'))
  }).catch((problem) => setError(errorMessage(problem)))
  return (
    <Show when={entries().length > 0}>
      <section class="card form" data-testid="bindings">
        <h2>{t('oauth.bindings')}</h2>
        <ErrorBanner message={error()} />
        <dl class="facts">
          <For each={entries()}>
            {(entry) => (
              <>
                <dt>{providerLabel(entry, status())}</dt>
                <dd data-testid={`binding-${entry.name}`}>
                  <Show when={boundIdentity(user(), entry)} fallback={
                    <Show when={entry.name === 'telegram'} fallback={
                      <ActionButton type="button" class="button small" action={() => startOAuth(entry.name as OAuthProviderName, 'bind').catch((problem) => setError(errorMessage(problem)))}>{t('oauth.bind')}</ActionButton>
                    }>
                      <TelegramWidget botName={String(status()?.telegram_bot_name ?? '')} onAuth={bindTelegram} />
                    </Show>
                  }>
                    <code>{boundIdentity(user(), entry)}</code>{' '}
                    <ActionButton type="button" class="button small" action={() => unbind(entry)}>{t('oauth.unbind')}</ActionButton>
                  </Show>
                </dd>
              </>
            )}
          </For>
        </dl>
      </section>
    </Show>
  )
}
