import { useAction } from '@solidjs/router'
import { For, Show, type JSX } from 'solid-js'
import { notifyOutcome } from '../../components/toasts.tsx'
import { ActionButton, Badge, Modal } from '../../components/ui.tsx'
import { createLoaded, valueOf } from '../../lib/async-data.ts'
import { formatTimestamp } from '../../lib/format.ts'
import { t } from '../../lib/i18n.ts'
import type { Channel } from '../../lib/types.ts'
import { getChannelKeys, manageChannelKeys, type ChannelKeyAction } from './channel-data.ts'

export function channelStatusBadge(status: number): JSX.Element {
  switch (status) {
    case 1: return <Badge tone="green">{t('status.enabled')}</Badge>
    case 2: return <Badge tone="grey">{t('channels.status_manual')}</Badge>
    case 3: return <Badge tone="red">{t('channels.status_auto')}</Badge>
    default: return <Badge tone="grey">{t('channels.status_unknown')}</Badge>
  }
}

/**
 * The keys of a multi-key channel, masked (the keys themselves never reach the console): status, why and when a
 * key was disabled, and enable / disable / delete per key or for all.
 */
export function MultiKeyModal(props: { channel: Channel; onClose: () => void }): JSX.Element {
  const info = () => props.channel.channel_info ?? {}
  const keys = createLoaded(() => getChannelKeys(props.channel.id))
  const listing = () => valueOf(keys())
  const manage = useAction(manageChannelKeys)
  const run = (action: ChannelKeyAction, keyIndex?: number) => notifyOutcome(() => manage({ channelId: props.channel.id, action, keyIndex }), t('common.saved'))
  return (
    <Modal title={t('channels.multi_key_title', { name: props.channel.name })} onClose={props.onClose} wide>
      <dl class="facts">
        <dt>{t('channels.multi_key_mode')}</dt>
        <dd>{info().multi_key_mode === 'polling' ? t('channels.mode_polling') : t('channels.mode_random')}</dd>
        <dt>{t('channels.multi_key_size')}</dt>
        <dd>{listing()?.total ?? info().multi_key_size ?? 0}</dd>
        <Show when={info().multi_key_mode === 'polling'}>
          <dt>{t('channels.multi_key_next')}</dt>
          <dd>#{(info().multi_key_polling_index ?? 0) + 1}</dd>
        </Show>
        <Show when={listing()}>
          {(counts) => <>
            <dt>{t('common.status')}</dt>
            <dd>{t('channels.multi_key_counts', { enabled: counts().enabled_count, manual: counts().manual_disabled_count, auto: counts().auto_disabled_count })}</dd>
          </>}
        </Show>
      </dl>
      <div class="header-actions">
        <ActionButton class="button small" action={() => run('enable_all_keys')}>{t('channels.keys_enable_all')}</ActionButton>
        <ActionButton class="button small" action={() => run('disable_all_keys')}>{t('channels.keys_disable_all')}</ActionButton>
        <Show when={(listing()?.auto_disabled_count ?? 0) > 0}>
          <ActionButton class="button small danger" action={() => run('delete_disabled_keys')}>{t('channels.keys_delete_auto')}</ActionButton>
        </Show>
      </div>
      <table class="table compact" data-testid="channel-keys">
        <thead><tr><th>#</th><th>{t('channels.key')}</th><th>{t('common.status')}</th><th>{t('channels.key_reason')}</th><th /></tr></thead>
        <tbody>
          <For each={listing()?.keys ?? []}>
            {(key) => (
              <tr>
                <td>{t('channels.key_number', { number: key.index + 1 })}</td>
                <td><code>{key.key_preview}</code></td>
                <td>{channelStatusBadge(key.status)}</td>
                <td class="small">{key.reason}{key.disabled_time ? <span class="muted"> · {formatTimestamp(key.disabled_time)}</span> : null}</td>
                <td class="actions">
                  <ActionButton class="button small" action={() => run(key.status === 1 ? 'disable_key' : 'enable_key', key.index)}>{key.status === 1 ? t('common.disable') : t('common.enable')}</ActionButton>
                  <ActionButton class="button small danger" disabled={(listing()?.total ?? 0) <= 1} action={() => run('delete_key', key.index)}>{t('common.delete')}</ActionButton>
                </td>
              </tr>
            )}
          </For>
        </tbody>
      </table>
      <p class="muted small">{t('channels.multi_key_secret_note')}</p>
    </Modal>
  )
}
