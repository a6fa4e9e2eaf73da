import { current } from '../lib/resource.ts'
import { createResource, createSignal, For, Show, type JSX } from 'solid-js'
import { notify } from '../components/toasts.tsx'
import { ActionButton, Badge, copyText, EmptyRow, Modal, Pager, QuotaText } from '../components/ui.tsx'
import { api, errorMessage, toPage, type Page } from '../lib/api.ts'
import { formatTimestamp, maskKey } from '../lib/format.ts'
import { t } from '../lib/i18n.ts'
import { Link, navigate } from '../lib/router.tsx'
import { user } from '../lib/session.ts'
import { readPreference, writePreference } from '../lib/storage.ts'
import type { Token } from '../lib/types.ts'

export function tokenStatusBadge(status: number): JSX.Element {
  switch (status) {
    case 1: return <Badge tone="green">{t('status.enabled')}</Badge>
    case 2: return <Badge tone="grey">{t('status.disabled')}</Badge>
    case 3: return <Badge tone="amber">{t('tokens.status_expired')}</Badge>
    case 4: return <Badge tone="red">{t('tokens.status_exhausted')}</Badge>
    default: return <Badge tone="grey">{String(status)}</Badge>
  }
}

/** The full key is never in the list (masked since new-api 2026-03); it is fetched on demand. */
export async function fetchFullKey(id: number): Promise<string> {
  const data = await api.post<{ key: string }>(`/api/token/${id}/key`)
  return `sk-${data.key}`
}

export function TokensPage(): JSX.Element {
  const [page, setPage] = createSignal(1)
  const [pageSize, setPageSizeSignal] = createSignal(readPreference(user()?.id, 'tokens.page_size', 10))
  const [keyword, setKeyword] = createSignal('')
  const [appliedKeyword, setAppliedKeyword] = createSignal('')
  const [shownKey, setShownKey] = createSignal<string | null>(null)

  const [tokens, { refetch }] = createResource(
    () => ({ page: page(), pageSize: pageSize(), keyword: appliedKeyword() }),
    async (parameters): Promise<Page<Token>> => {
      const data = parameters.keyword
        ? await api.get<Page<Token>>('/api/token/search', { keyword: parameters.keyword, p: parameters.page, page_size: parameters.pageSize })
        : await api.get<Page<Token>>('/api/token/', { p: parameters.page, page_size: parameters.pageSize, size: parameters.pageSize })
      return toPage(data, parameters.page, parameters.pageSize)
    },
  )

  const setPageSize = (size: number) => {
    writePreference(user()?.id, 'tokens.page_size', size)
    setPageSizeSignal(size)
    setPage(1)
  }

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

  const toggle = async (token: Token) => {
    try {
      await api.put('/api/token/', { id: token.id, status: token.status === 1 ? 2 : 1 }, { status_only: true })
      notify('success', token.status === 1 ? t('common.disabled_done') : t('common.enabled_done'))
      void refetch()
    } catch (error) {
      notify('error', errorMessage(error))
    }
  }

  const remove = async (token: Token) => {
    if (!confirm(t('tokens.confirm_delete', { name: token.name }))) return
    try {
      await api.delete(`/api/token/${token.id}`)
      notify('success', t('common.deleted'))
      void refetch()
    } catch (error) {
      notify('error', errorMessage(error))
    }
  }

  return (
    <section class="page">
      <header class="page-header">
        <h1>{t('nav.tokens')}</h1>
        <Link href="/tokens/new" class="button primary">{t('tokens.create')}</Link>
      </header>
      <form
        class="toolbar"
        onSubmit={(event) => {
          event.preventDefault()
          setPage(1)
          setAppliedKeyword(keyword().trim())
        }}
      >
        <input type="search" placeholder={t('tokens.search_placeholder')} value={keyword()} onInput={(event) => setKeyword(event.currentTarget.value)} aria-label={t('common.search')} />
        <button type="submit" class="button">{t('common.search')}</button>
      </form>
      <div class="table-wrap">
        <table class="table" data-testid="tokens-table">
          <thead>
            <tr>
              <th>{t('tokens.name')}</th>
              <th>{t('common.status')}</th>
              <th>{t('tokens.key')}</th>
              <th class="number">{t('tokens.remaining')}</th>
              <th class="number">{t('tokens.used')}</th>
              <th>{t('tokens.group')}</th>
              <th>{t('tokens.expires')}</th>
              <th>{t('common.actions')}</th>
            </tr>
          </thead>
          <tbody>
            <For each={current(tokens)?.items} fallback={<EmptyRow columns={8} loading={tokens.loading} error={tokens.error ? errorMessage(tokens.error) : null} />}>
              {(token) => (
                <tr>
                  <td data-label={t('tokens.name')}><strong>{token.name}</strong></td>
                  <td data-label={t('common.status')}>{tokenStatusBadge(token.status)}</td>
                  <td data-label={t('tokens.key')}><code class="key">sk-{maskKey(token.key)}</code></td>
                  <td data-label={t('tokens.remaining')} class="number">
                    <Show when={!token.unlimited_quota} fallback={<Badge tone="blue">{t('tokens.unlimited')}</Badge>}>
                      <QuotaText quota={token.remain_quota} />
                    </Show>
                  </td>
                  <td data-label={t('tokens.used')} class="number"><QuotaText quota={token.used_quota} /></td>
                  <td data-label={t('tokens.group')}>{token.group || t('tokens.group_own')}</td>
                  <td data-label={t('tokens.expires')}>{token.expired_time === -1 ? t('tokens.never') : formatTimestamp(token.expired_time)}</td>
                  <td class="actions">
                    <ActionButton class="button small" action={() => copyKey(token)}>{t('tokens.copy_key')}</ActionButton>
                    <button type="button" class="button small" onClick={() => navigate(`/tokens/${token.id}`)}>{t('common.edit')}</button>
                    <ActionButton class="button small" action={() => toggle(token)}>{token.status === 1 ? t('common.disable') : t('common.enable')}</ActionButton>
                    <ActionButton class="button small danger" action={() => remove(token)}>{t('common.delete')}</ActionButton>
                  </td>
                </tr>
              )}
            </For>
          </tbody>
        </table>
      </div>
      <Show when={shownKey()}>
        <Modal title={t('tokens.key')} onClose={() => setShownKey(null)}>
          <p>{t('tokens.copy_manually')}</p>
          <input class="code" readonly value={shownKey()!} onFocus={(event) => event.currentTarget.select()} data-testid="full-key" />
        </Modal>
      </Show>
      <Pager page={page()} pageSize={pageSize()} total={current(tokens)?.total ?? 0} onPage={setPage} onPageSize={setPageSize} />
    </section>
  )
}
