import { A, useAction, useNavigate } from '@solidjs/router'
import { createSignal, Show, type JSX } from 'solid-js'
import { DataTable, type Column } from '../../components/data-table.tsx'
import { createListState, ListPage } from '../../components/list-page.tsx'
import { notify, notifyOutcome } from '../../components/toasts.tsx'
import { ActionButton, Badge, ErrorBanner, Field, Modal, QuotaText } from '../../components/ui.tsx'
import { errorMessage } from '../../lib/api.ts'
import { createLoaded, mapLoaded, valueOf } from '../../lib/async-data.ts'
import { t } from '../../lib/i18n.ts'
import { currencySymbol, parseAmountToQuota } from '../../lib/quota.ts'
import { quotaDisplay, user as currentUser } from '../../lib/session.ts'
import { roles, type User } from '../../lib/types.ts'
import { roleName } from '../account/account.tsx'
import { adjustUserQuota, getUsers, manageUser, type UserFilters, type UserManagement } from './user-data.ts'

function roleBadge(role: number): JSX.Element {
  return <Badge tone={role >= roles.root ? 'red' : role >= roles.admin ? 'amber' : 'grey'}>{roleName(role)}</Badge>
}

const emptyFilters: UserFilters = { keyword: '', role: '', status: '' }

export function UserListPage(): JSX.Element {
  const navigate = useNavigate()
  const userId = currentUser()?.id
  const list = createListState({ name: 'users', defaultPageSize: 20, emptyFilters })
  const [quotaTarget, setQuotaTarget] = createSignal<User | null>(null)
  const users = createLoaded(() => getUsers({ page: list.page(), pageSize: list.pageSize(), filters: { ...list.filters(), keyword: list.filters().keyword.trim() } }))
  const manageAction = useAction(manageUser)

  const manage = (target: User, managed: UserManagement) => {
    if (managed === 'delete' && !confirm(t('users.confirm_delete', { name: target.username }))) return
    return notifyOutcome(() => manageAction(target.id, managed), t('common.done'))
  }

  // Only a user below the operator's own role can be managed (the server enforces it too).
  const canManage = (target: User) => target.id !== userId && target.role < (currentUser()?.role ?? 0)

  const columns: Column<User>[] = [
    { id: 'id', header: () => 'ID', cell: (item) => item.id },
    {
      id: 'username',
      header: () => t('users.username'),
      cell: (item) => <>
        <strong>{item.username}</strong>
        <Show when={item.display_name && item.display_name !== item.username}><div class="muted small">{item.display_name}</div></Show>
      </>,
    },
    { id: 'role', header: () => t('users.role'), cell: (item) => roleBadge(item.role) },
    { id: 'status', header: () => t('common.status'), cell: (item) => (item.status === 1 ? <Badge tone="green">{t('status.enabled')}</Badge> : <Badge tone="grey">{t('status.disabled')}</Badge>) },
    { id: 'group', header: () => t('users.group'), cell: (item) => item.group },
    { id: 'quota', header: () => t('users.quota'), numeric: true, cell: (item) => <QuotaText quota={item.quota} /> },
    { id: 'used_quota', header: () => t('users.used_quota'), numeric: true, cell: (item) => <QuotaText quota={item.used_quota} /> },
    { id: 'request_count', header: () => t('users.request_count'), numeric: true, cell: (item) => item.request_count ?? 0 },
  ]

  return (
    <ListPage
      title={t('nav.users')}
      list={list}
      total={valueOf(users())?.total ?? 0}
      actions={<A href="/users/new" class="button primary">{t('users.create')}</A>}
      toolbar={<>
        <input type="search" placeholder={t('users.search_placeholder')} value={list.draft.keyword} onInput={(event) => list.setDraft('keyword', event.currentTarget.value)} aria-label={t('common.search')} />
        <select value={list.draft.role} onChange={(event) => list.setDraft('role', event.currentTarget.value)} aria-label={t('users.role')}>
          <option value="">{t('users.all_roles')}</option>
          <option value={roles.user}>{t('role.user')}</option>
          <option value={roles.admin}>{t('role.admin')}</option>
          <option value={roles.root}>{t('role.root')}</option>
        </select>
        <select value={list.draft.status} onChange={(event) => list.setDraft('status', event.currentTarget.value)} aria-label={t('common.status')}>
          <option value="">{t('channels.all_statuses')}</option>
          <option value="1">{t('status.enabled')}</option>
          <option value="2">{t('status.disabled')}</option>
        </select>
      </>}
      below={<Show when={quotaTarget()}>{(target) => <QuotaModal target={target()} onClose={() => setQuotaTarget(null)} />}</Show>}
    >
      <DataTable
        testId="users-table"
        columns={columns}
        rows={mapLoaded(users(), (page) => page.items)}
        actions={(item) => <>
          <button type="button" class="button small" onClick={() => navigate(item.id === userId ? '/account' : `/users/${item.id}`)}>{t('common.edit')}</button>
          <Show when={canManage(item)}>
            <button type="button" class="button small" onClick={() => setQuotaTarget(item)}>{t('users.adjust_quota')}</button>
            <ActionButton class="button small" action={() => manage(item, item.status === 1 ? 'disable' : 'enable')}>{item.status === 1 ? t('common.disable') : t('common.enable')}</ActionButton>
            <Show when={item.role < roles.admin && (currentUser()?.role ?? 0) >= roles.root}>
              <ActionButton class="button small" action={() => manage(item, 'promote')}>{t('users.promote')}</ActionButton>
            </Show>
            <Show when={item.role >= roles.admin}>
              <ActionButton class="button small" action={() => manage(item, 'demote')}>{t('users.demote')}</ActionButton>
            </Show>
            <ActionButton class="button small danger" action={() => manage(item, 'delete')}>{t('common.delete')}</ActionButton>
          </Show>
        </>}
      />
    </ListPage>
  )
}

function QuotaModal(props: { target: User; onClose: () => void }): JSX.Element {
  const [mode, setMode] = createSignal<'add' | 'subtract' | 'override'>('add')
  const [amount, setAmount] = createSignal('')
  const [error, setError] = createSignal<string | null>(null)
  const adjust = useAction(adjustUserQuota)
  const submit = async () => {
    setError(null)
    const quota = parseAmountToQuota(amount(), quotaDisplay())
    if (quota === null || quota < 0) return setError(t('tokens.amount_invalid'))
    try {
      await adjust(props.target.id, mode(), quota)
      notify('success', t('common.saved'))
      props.onClose()
    } catch (problem) {
      setError(errorMessage(problem))
    }
  }
  return (
    <Modal
      title={t('users.adjust_quota_for', { name: props.target.username })}
      onClose={props.onClose}
      footer={<ActionButton class="button primary" action={submit}>{t('common.save')}</ActionButton>}
    >
      <ErrorBanner message={error()} />
      <p>{t('users.quota')}: <QuotaText quota={props.target.quota} /></p>
      <Field label={t('users.quota_mode')} for="quota-mode">
        <select id="quota-mode" value={mode()} onChange={(event) => setMode(event.currentTarget.value as 'add' | 'subtract' | 'override')}>
          <option value="add">{t('users.quota_add')}</option>
          <option value="subtract">{t('users.quota_subtract')}</option>
          <option value="override">{t('users.quota_override')}</option>
        </select>
      </Field>
      <Field label={`${t('tokens.quota_amount')} ${currencySymbol(quotaDisplay())}`} for="quota-amount">
        <input id="quota-amount" inputmode="decimal" value={amount()} onInput={(event) => setAmount(event.currentTarget.value)} />
      </Field>
    </Modal>
  )
}
