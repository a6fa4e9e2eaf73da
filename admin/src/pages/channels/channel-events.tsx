import { A } from '@solidjs/router'
import { For, Show, type JSX } from 'solid-js'
import { createLoaded, valueOf } from '../../lib/async-data.ts'
import { formatTimestamp } from '../../lib/format.ts'
import { t } from '../../lib/i18n.ts'
import { getChannelEvents } from './channel-data.ts'

/**
 * The channel health transitions of the last day (auto-disabled, cooling down after a 429, probe failed,
 * re-enabled), newest first, above the channel list: what changed while nobody was looking.
 */
export function ChannelEvents(): JSX.Element {
  const events = createLoaded(() => getChannelEvents())
  const recent = () => valueOf(events()) ?? []
  return (
    <Show when={recent().length > 0}>
      <details class="banner banner-info channel-events" data-testid="channel-events" open={recent().some((event) => event.kind === 'disabled' || event.kind === 'probe_failed')}>
        <summary>{t('channels.events_title', { count: recent().length })}</summary>
        <ul>
          <For each={recent().slice(0, 8)}>
            {(event) => (
              <li class={event.kind === 'enabled' ? 'success-text' : event.kind === 'cooling' ? '' : 'error-text'}>
                <span class="muted">{formatTimestamp(event.created_at)}</span> {event.content}
              </li>
            )}
          </For>
        </ul>
        <A href="/logs">{t('channels.events_all')}</A>
      </details>
    </Show>
  )
}
