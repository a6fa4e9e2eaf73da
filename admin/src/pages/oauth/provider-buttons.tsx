import { createSignal, For, Show, type JSX } from 'solid-js'
import { ErrorBanner } from '../../components/ui.tsx'
import { errorMessage } from '../../lib/api.ts'
import { t } from '../../lib/i18n.ts'
import { enabledProviders, providerLabel, sendTelegramLogin, startOAuth, type OAuthProviderName } from '../../lib/oauth.ts'
import { loadSelf, status } from '../../lib/session.ts'
import { TelegramWidget } from './telegram-widget.tsx'

/** The sign-in page's buttons, one per enabled provider, and the Telegram widget when Telegram sign-in is on. */
export function ProviderButtons(props: { next?: string }): JSX.Element {
  const [error, setError] = createSignal<string | null>(null)
  const oauth = () => enabledProviders(status()).filter((entry) => entry.name !== 'telegram')
  const telegram = () => (status()?.telegram_oauth === true ? String(status()?.telegram_bot_name ?? '') : '')
  const failed = (problem: unknown) => setError(errorMessage(problem))
  return (
    <Show when={oauth().length > 0 || telegram()}>
      <div class="sign-in-providers" data-testid="sign-in-providers">
        <div class="divider">{t('oauth.or')}</div>
        <ErrorBanner message={error()} />
        <For each={oauth()}>
          {(entry) => (
            <button type="button" class="button block" data-testid={`oauth-${entry.name}`} onClick={() => startOAuth(entry.name as OAuthProviderName, 'login', props.next).catch(failed)}>
              {t('oauth.continue_with', { provider: providerLabel(entry, status()) })}
            </button>
          )}
        </For>
        <Show when={telegram()}>
          {/* Signed in: the sign-in page's own effect moves on to where the user was going. */}
          <TelegramWidget botName={telegram()} onAuth={(data) => void sendTelegramLogin(data, 'login').then(() => loadSelf()).catch(failed)} />
        </Show>
      </div>
    </Show>
  )
}
