import { For, Show, type JSX } from 'solid-js'
import { Badge, Modal } from '../../components/ui.tsx'
import { t } from '../../lib/i18n.ts'
import type { Channel } from '../../lib/types.ts'

export function channelStatusBadge(status: number): JSX.Element {
  switch (status) {
    case 1: return <Badge tone="green">{t('status.enabled')}</Badge>
    case 2: return <Badge tone="grey">{t('channels.status_manual')}</Badge>
    case 3: return <Badge tone="red">{t('channels.status_auto')}</Badge>
    default: return <Badge tone="grey">{t('channels.status_unknown')}</Badge>
  }
}

/** The states of a multi-key channel's keys; the keys themselves are never sent to the console. */
export function MultiKeyModal(props: { channel: Channel; onClose: () => void }): JSX.Element {
  const info = () => props.channel.channel_info ?? {}
  const keyStatus = (index: number) => info().multi_key_status_list?.[String(index)] ?? 1
  return (
    <Modal title={t('channels.multi_key_title', { name: props.channel.name })} onClose={props.onClose}>
      <dl class="facts">
        <dt>{t('channels.multi_key_mode')}</dt>
        <dd>{info().multi_key_mode === 'polling' ? t('channels.mode_polling') : t('channels.mode_random')}</dd>
        <dt>{t('channels.multi_key_size')}</dt>
        <dd>{info().multi_key_size ?? 0}</dd>
        <Show when={info().multi_key_mode === 'polling'}>
          <dt>{t('channels.multi_key_next')}</dt>
          <dd>#{(info().multi_key_polling_index ?? 0) + 1}</dd>
        </Show>
      </dl>
      <table class="table compact">
        <thead><tr><th>#</th><th>{t('common.status')}</th></tr></thead>
        <tbody>
          <For each={Array.from({ length: info().multi_key_size ?? 0 }, (_, index) => index)}>
            {(index) => (
              <tr>
                <td>{t('channels.key_number', { number: index + 1 })}</td>
                <td>{channelStatusBadge(keyStatus(index))}</td>
              </tr>
            )}
          </For>
        </tbody>
      </table>
      <p class="muted small">{t('channels.multi_key_secret_note')}</p>
    </Modal>
  )
}
