import { A, useAction, useNavigate } from '@solidjs/router'
import { createSignal, Show, type JSX } from 'solid-js'
import { DataTable, type Column } from '../../components/data-table.tsx'
import { createListState, ListPage } from '../../components/list-page.tsx'
import { notify, notifyOutcome } from '../../components/toasts.tsx'
import { ActionButton, Badge, copyText, Modal, QuotaText } from '../../components/ui.tsx'
import { errorMessage } from '../../lib/api.ts'
import { createLoaded, mapLoaded, valueOf } from '../../lib/async-data.ts'
import { formatTimestamp, maskKey } from '../../lib/format.ts'
import { t } from '../../lib/i18n.ts'
import type { Token } from '../../lib/types.ts'
import { deleteToken, fetchFullKey, getTokens, setTokenStatus } from './token-data.ts'

export function tokenStatusBadge(status: number): JSX.Element {
  switch (status) {
    case 1: return <Badge tone="green">{t('status.enabled')}</Badge>
    case 2: return <Badge tone="grey">{t('status.disabled')}</Badge>
    case 3: return <Badge tone="amber">{t('tokens.status_expired')}</Badge>
    case 4: return <Badge tone="red">{t('tokens.status_exhausted')}</Badge>
    default: return <Badge tone="grey">{String(status)}</Badge>
  }
}

export function TokenListPage(): JSX.Element {
  const navigate = useNavigate()
  const list = createListState({ name: 'tokens', defaultPageSize: 10, emptyFilters: { keyword: '' } })
  const [shownKey, setShownKey] = createSignal<string | null>(null)
  const tokens = createLoaded(() => getTokens({ page: list.page(), pageSize: list.pageSize(), keyword: list.filters().keyword.trim() }))
  const rows = () => mapLoaded(tokens(), (page) => page.items)
  const changeStatus = useAction(setTokenStatus)
  const remove = useAction(deleteToken)

  const copyKey = async (token: Token) => {
    try {
      const key = await fetchFullKey(token.id)
      // Without clipboard access (plain http, denied permission) the key is shown to copy by hand.
      if (await copyText(key)) notify('success', t('tokens.key_copied'))
      else setShownKey(key)
    } catch (error) {
      notify('error', errorMessage(error))
    }
  }

  const toggle = (token: Token) =>
    notifyOutcome(() => changeStatus(token.id, token.status === 1 ? 2 : 1), token.status === 1 ? t('common.disabled_done') : t('common.enabled_done'))

  const confirmRemove = (token: Token) => {
    if (!confirm(t('tokens.confirm_delete', { name: token.name }))) return
    return notifyOutcome(() => remove(token.id), t('common.deleted'))
  }

  const columns: Column<Token>[] = [
    { id: 'name', header: () => t('tokens.name'), cell: (token) => <strong>{token.name}</strong> },
    { id: 'status', header: () => t('common.status'), cell: (token) => tokenStatusBadge(token.status) },
    { id: 'key', header: () => t('tokens.key'), cell: (token) => <code class="key">sk-{maskKey(token.key)}</code> },
    {
      id: 'remaining',
      header: () => t('tokens.remaining'),
      numeric: true,
      cell: (token) => <Show when={!token.unlimited_quota} fallback={<Badge tone="blue">{t('tokens.unlimited')}</Badge>}><QuotaText quota={token.remain_quota} /></Show>,
    },
    { id: 'used', header: () => t('tokens.used'), numeric: true, cell: (token) => <QuotaText quota={token.used_quota} /> },
    { id: 'group', header: () => t('tokens.group'), cell: (token) => token.group || t('tokens.group_own') },
    { id: 'expires', header: () => t('tokens.expires'), cell: (token) => (token.expired_time === -1 ? t('tokens.never') : formatTimestamp(token.expired_time)) },
  ]

  return (
    <ListPage
      title={t('nav.tokens')}
      list={list}
      total={valueOf(tokens())?.total ?? 0}
      actions={<A href="/tokens/new" class="button primary">{t('tokens.create')}</A>}
      toolbar={<input type="search" placeholder={t('tokens.search_placeholder')} value={list.draft.keyword} onInput={(event) => list.setDraft('keyword', event.currentTarget.value)} aria-label={t('common.search')} />}
      below={
        <Show when={shownKey()}>
          {(key) => (
            <Modal title={t('tokens.key')} onClose={() => setShownKey(null)}>
              <p>{t('tokens.copy_manually')}</p>
              <input class="code" readonly value={key()} onFocus={(event) => event.currentTarget.select()} data-testid="full-key" />
            </Modal>
          )}
        </Show>
      }
    >
      <DataTable
        testId="tokens-table"
        columns={columns}
        rows={rows()}
        actions={(token) => <>
          <ActionButton class="button small" action={() => copyKey(token)}>{t('tokens.copy_key')}</ActionButton>
          <button type="button" class="button small" onClick={() => navigate(`/tokens/${token.id}`)}>{t('common.edit')}</button>
          <ActionButton class="button small" action={() => toggle(token)}>{token.status === 1 ? t('common.disable') : t('common.enable')}</ActionButton>
          <ActionButton class="button small danger" action={() => confirmRemove(token)}>{t('common.delete')}</ActionButton>
        </>}
      />
    </ListPage>
  )
}
