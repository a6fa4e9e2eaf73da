import { useAction } from '@solidjs/router'
import { createSignal, Show, type JSX } from 'solid-js'
import { DataTable, type Column } from '../../components/data-table.tsx'
import { createListState, ListPage } from '../../components/list-page.tsx'
import { notify, notifyOutcome } from '../../components/toasts.tsx'
import { ActionButton, Badge, copyText, ErrorBanner, Field, Modal, QuotaText } from '../../components/ui.tsx'
import { errorMessage } from '../../lib/api.ts'
import { createLoaded, mapLoaded, valueOf } from '../../lib/async-data.ts'
import { formatTimestamp, fromDateTimeInput } from '../../lib/format.ts'
import { t } from '../../lib/i18n.ts'
import { currencySymbol, parseAmountToQuota } from '../../lib/quota.ts'
import { quotaDisplay } from '../../lib/session.ts'
import {
  createRedemptions, deleteInvalidRedemptions, deleteRedemption, getRedemptions, redemptionCsv, setRedemptionStatus, type Redemption, type RedemptionFilters,
} from './redemption-data.ts'

const emptyFilters: RedemptionFilters = { keyword: '', status: '' }

function statusBadge(row: Redemption): JSX.Element {
  if (row.status === 3) return <Badge tone="grey">{t('redemptions.used')}</Badge>
  if (row.status === 2) return <Badge tone="amber">{t('status.disabled')}</Badge>
  if (row.expired_time && row.expired_time * 1000 < Date.now()) return <Badge tone="red">{t('redemptions.expired')}</Badge>
  return <Badge tone="green">{t('redemptions.unused')}</Badge>
}

/** Admin: redemption codes, created in batches and exported at once (copy or CSV). */
export function RedemptionListPage(): JSX.Element {
  const list = createListState({ name: 'redemptions', defaultPageSize: 20, emptyFilters })
  const rows = createLoaded(() => getRedemptions(list.page(), list.pageSize(), { ...list.filters(), keyword: list.filters().keyword.trim() }))
  const [creating, setCreating] = createSignal(false)
  const setStatus = useAction(setRedemptionStatus)
  const remove = useAction(deleteRedemption)
  const removeInvalid = useAction(deleteInvalidRedemptions)

  const columns: Column<Redemption>[] = [
    { id: 'id', header: () => 'ID', cell: (row) => row.id },
    { id: 'name', header: () => t('redemptions.name'), cell: (row) => row.name },
    { id: 'key', header: () => t('redemptions.key'), cell: (row) => <code class="small">{row.key}</code> },
    { id: 'status', header: () => t('common.status'), cell: statusBadge },
    { id: 'quota', header: () => t('users.quota'), numeric: true, cell: (row) => <QuotaText quota={row.quota} /> },
    { id: 'created', header: () => t('topups.created'), cell: (row) => formatTimestamp(row.created_time) },
    { id: 'expires', header: () => t('redemptions.expires'), cell: (row) => formatTimestamp(row.expired_time) || t('redemptions.never') },
    { id: 'redeemed', header: () => t('redemptions.redeemed_by'), cell: (row) => (row.used_user_id ? `#${row.used_user_id} ${formatTimestamp(row.redeemed_time)}` : '—') },
  ]

  return (
    <ListPage
      title={t('nav.redemptions')}
      list={list}
      total={valueOf(rows())?.total ?? 0}
      actions={<>
        <ActionButton class="button" action={() => confirm(t('redemptions.confirm_delete_invalid')) ? notifyOutcome(() => removeInvalid(), t('common.done')) : undefined}>{t('redemptions.delete_invalid')}</ActionButton>
        <button type="button" class="button primary" onClick={() => setCreating(true)}>{t('redemptions.create')}</button>
      </>}
      toolbar={<>
        <input type="search" placeholder={t('redemptions.search_placeholder')} value={list.draft.keyword} onInput={(event) => list.setDraft('keyword', event.currentTarget.value)} aria-label={t('common.search')} />
        <select value={list.draft.status} onChange={(event) => list.applyNow('status', event.currentTarget.value)} aria-label={t('common.status')}>
          <option value="">{t('channels.all_statuses')}</option>
          <option value="1">{t('redemptions.unused')}</option>
          <option value="2">{t('status.disabled')}</option>
          <option value="3">{t('redemptions.used')}</option>
        </select>
      </>}
      below={<Show when={creating()}><CreateModal onClose={() => setCreating(false)} /></Show>}
    >
      <DataTable
        testId="redemptions-table"
        columns={columns}
        rows={mapLoaded(rows(), (page) => page.items)}
        actions={(row) => <>
          <button type="button" class="button small" onClick={() => void copyText(row.key).then((copied) => copied && notify('success', t('redemptions.copied')))}>{t('redemptions.copy')}</button>
          <Show when={row.status !== 3}>
            <ActionButton class="button small" action={() => notifyOutcome(() => setStatus(row.id, row.status === 1 ? 2 : 1), t('common.done'))}>{row.status === 1 ? t('common.disable') : t('common.enable')}</ActionButton>
          </Show>
          <ActionButton class="button small danger" action={() => confirm(t('redemptions.confirm_delete', { name: row.name })) ? notifyOutcome(() => remove(row.id), t('common.done')) : undefined}>{t('common.delete')}</ActionButton>
        </>}
      />
    </ListPage>
  )
}

function CreateModal(props: { onClose: () => void }): JSX.Element {
  const [name, setName] = createSignal('')
  const [count, setCount] = createSignal('1')
  const [amount, setAmount] = createSignal('')
  const [expires, setExpires] = createSignal('')
  const [error, setError] = createSignal<string | null>(null)
  const [created, setCreated] = createSignal<{ name: string; quota: number; keys: string[] } | null>(null)
  const create = useAction(createRedemptions)

  const submit = async () => {
    setError(null)
    const quota = parseAmountToQuota(amount(), quotaDisplay())
    const howMany = Number(count())
    if (!name().trim() || name().trim().length > 20) return setError(t('redemptions.name_invalid'))
    if (!Number.isInteger(howMany) || howMany < 1 || howMany > 100) return setError(t('redemptions.count_invalid'))
    if (quota === null || quota < 1) return setError(t('tokens.amount_invalid'))
    const expiredTime = expires() ? fromDateTimeInput(expires()) : 0
    if (expiredTime === null) return setError(t('redemptions.expiry_invalid'))
    try {
      const keys = await create({ name: name().trim(), count: howMany, quota, expired_time: expiredTime })
      setCreated({ name: name().trim(), quota, keys })
    } catch (problem) {
      setError(errorMessage(problem))
    }
  }

  const download = () => {
    const batch = created()!
    const link = document.createElement('a')
    link.href = URL.createObjectURL(new Blob([redemptionCsv(batch.name, batch.quota, batch.keys)], { type: 'text/csv' }))
    link.download = `redemption-codes-${batch.name}.csv`
    link.click()
    URL.revokeObjectURL(link.href)
  }

  return (
    <Modal
      title={t('redemptions.create')}
      onClose={props.onClose}
      footer={<Show when={created()} fallback={<ActionButton class="button primary" action={submit}>{t('redemptions.create_submit')}</ActionButton>}>
        <button type="button" class="button" onClick={() => void copyText(created()!.keys.join('\n')).then((copied) => copied && notify('success', t('redemptions.copied')))}>{t('redemptions.copy_all')}</button>
        <button type="button" class="button" onClick={download}>{t('redemptions.download_csv')}</button>
        <button type="button" class="button primary" onClick={props.onClose}>{t('common.close')}</button>
      </Show>}
    >
      <Show when={created()} fallback={<>
        <ErrorBanner message={error()} />
        <Field label={t('redemptions.name')} for="redemption-name"><input id="redemption-name" maxLength={20} value={name()} onInput={(event) => setName(event.currentTarget.value)} /></Field>
        <Field label={t('redemptions.count')} for="redemption-count" hint={t('redemptions.count_hint')}><input id="redemption-count" inputmode="numeric" value={count()} onInput={(event) => setCount(event.currentTarget.value)} /></Field>
        <Field label={`${t('tokens.quota_amount')} ${currencySymbol(quotaDisplay())}`} for="redemption-amount"><input id="redemption-amount" inputmode="decimal" value={amount()} onInput={(event) => setAmount(event.currentTarget.value)} /></Field>
        <Field label={t('redemptions.expires')} for="redemption-expires" hint={t('redemptions.expires_hint')}><input id="redemption-expires" type="datetime-local" value={expires()} onInput={(event) => setExpires(event.currentTarget.value)} /></Field>
      </>}>
        <div class="banner banner-success">{t('redemptions.created', { count: created()!.keys.length })}</div>
        <textarea readonly rows={Math.min(12, created()!.keys.length + 1)} data-testid="created-keys" value={created()!.keys.join('\n')} />
      </Show>
    </Modal>
  )
}
