import { current } from '../lib/resource.ts'
import { createResource, createSignal, For, Show, type JSX } from 'solid-js'
import { notify } from '../components/toasts.tsx'
import { ActionButton, Badge, EmptyRow, ErrorBanner, Field, Modal, Pager, QuotaText } from '../components/ui.tsx'
import { api, errorMessage, toPage, type Page } from '../lib/api.ts'
import { t } from '../lib/i18n.ts'
import { currencySymbol, parseAmountToQuota } from '../lib/quota.ts'
import { Link, navigate } from '../lib/router.tsx'
import { quotaDisplay, user as currentUser } from '../lib/session.ts'
import { readPreference, writePreference } from '../lib/storage.ts'
import { roles, type User } from '../lib/types.ts'
import { roleName } from './account.tsx'

function roleBadge(role: number): JSX.Element {
  return <Badge tone={role >= roles.root ? 'red' : role >= roles.admin ? 'amber' : 'grey'}>{roleName(role)}</Badge>
}

export function UsersPage(): JSX.Element {
  const userId = currentUser()?.id
  const [page, setPage] = createSignal(1)
  const [pageSize, setPageSizeSignal] = createSignal(readPreference(userId, 'users.page_size', 20))
  const [keyword, setKeyword] = createSignal('')
  const [applied, setApplied] = createSignal({ keyword: '', role: '', status: '' })
  const [role, setRole] = createSignal('')
  const [status, setStatus] = createSignal('')
  const [quotaTarget, setQuotaTarget] = createSignal<User | null>(null)

  const [users, { refetch }] = createResource(
    () => ({ page: page(), pageSize: pageSize(), ...applied() }),
    async (parameters): Promise<Page<User>> => {
      const filtered = parameters.keyword || parameters.role || parameters.status
      const data = filtered
        ? await api.get<Page<User>>('/api/user/search', { keyword: parameters.keyword, role: parameters.role, status: parameters.status, p: parameters.page, page_size: parameters.pageSize })
        : await api.get<Page<User>>('/api/user/', { p: parameters.page, page_size: parameters.pageSize })
      return toPage(data, parameters.page, parameters.pageSize)
    },
  )

  const setPageSize = (size: number) => {
    writePreference(userId, 'users.page_size', size)
    setPageSizeSignal(size)
    setPage(1)
  }

  const manage = async (target: User, action: 'enable' | 'disable' | 'promote' | 'demote' | 'delete') => {
    if (action === 'delete' && !confirm(t('users.confirm_delete', { name: target.username }))) return
    try {
      await api.post('/api/user/manage', { id: target.id, action })
      notify('success', t('common.done'))
      void refetch()
    } catch (error) {
      notify('error', errorMessage(error))
    }
  }

  // Only a user below the operator's own role can be managed (the server enforces it too).
  const canManage = (target: User) => target.id !== userId && target.role < (currentUser()?.role ?? 0)

  return (
    <section class="page">
      <header class="page-header">
        <h1>{t('nav.users')}</h1>
        <Link href="/users/new" class="button primary">{t('users.create')}</Link>
      </header>
      <form
        class="toolbar"
        onSubmit={(event) => {
          event.preventDefault()
          setPage(1)
          setApplied({ keyword: keyword().trim(), role: role(), status: status() })
        }}
      >
        <input type="search" placeholder={t('users.search_placeholder')} value={keyword()} onInput={(event) => setKeyword(event.currentTarget.value)} aria-label={t('common.search')} />
        <select value={role()} onChange={(event) => setRole(event.currentTarget.value)} aria-label={t('users.role')}>
          <option value="">{t('users.all_roles')}</option>
          <option value={roles.user}>{t('role.user')}</option>
          <option value={roles.admin}>{t('role.admin')}</option>
          <option value={roles.root}>{t('role.root')}</option>
        </select>
        <select value={status()} onChange={(event) => setStatus(event.currentTarget.value)} aria-label={t('common.status')}>
          <option value="">{t('channels.all_statuses')}</option>
          <option value="1">{t('status.enabled')}</option>
          <option value="2">{t('status.disabled')}</option>
        </select>
        <button type="submit" class="button">{t('common.search')}</button>
      </form>
      <div class="table-wrap">
        <table class="table" data-testid="users-table">
          <thead>
            <tr>
              <th>ID</th>
              <th>{t('users.username')}</th>
              <th>{t('users.role')}</th>
              <th>{t('common.status')}</th>
              <th>{t('users.group')}</th>
              <th class="number">{t('users.quota')}</th>
              <th class="number">{t('users.used_quota')}</th>
              <th class="number">{t('users.request_count')}</th>
              <th>{t('common.actions')}</th>
            </tr>
          </thead>
          <tbody>
            <For each={current(users)?.items} fallback={<EmptyRow columns={9} loading={users.loading} error={users.error ? errorMessage(users.error) : null} />}>
              {(item) => (
                <tr>
                  <td data-label="ID">{item.id}</td>
                  <td data-label={t('users.username')}>
                    <strong>{item.username}</strong>
                    <Show when={item.display_name && item.display_name !== item.username}><div class="muted small">{item.display_name}</div></Show>
                  </td>
                  <td data-label={t('users.role')}>{roleBadge(item.role)}</td>
                  <td data-label={t('common.status')}>{item.status === 1 ? <Badge tone="green">{t('status.enabled')}</Badge> : <Badge tone="grey">{t('status.disabled')}</Badge>}</td>
                  <td data-label={t('users.group')}>{item.group}</td>
                  <td data-label={t('users.quota')} class="number"><QuotaText quota={item.quota} /></td>
                  <td data-label={t('users.used_quota')} class="number"><QuotaText quota={item.used_quota} /></td>
                  <td data-label={t('users.request_count')} class="number">{item.request_count ?? 0}</td>
                  <td class="actions">
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
                  </td>
                </tr>
              )}
            </For>
          </tbody>
        </table>
      </div>
      <Pager page={page()} pageSize={pageSize()} total={current(users)?.total ?? 0} onPage={setPage} onPageSize={setPageSize} />
      <Show when={quotaTarget()}>
        <QuotaModal target={quotaTarget()!} onClose={() => setQuotaTarget(null)} onDone={() => { setQuotaTarget(null); void refetch() }} />
      </Show>
    </section>
  )
}

function QuotaModal(props: { target: User; onClose: () => void; onDone: () => void }): JSX.Element {
  const [mode, setMode] = createSignal<'add' | 'subtract' | 'override'>('add')
  const [amount, setAmount] = createSignal('')
  const [error, setError] = createSignal<string | null>(null)
  const submit = async () => {
    setError(null)
    const quota = parseAmountToQuota(amount(), quotaDisplay())
    if (quota === null || quota < 0) return setError(t('tokens.amount_invalid'))
    try {
      await api.post('/api/user/manage', { id: props.target.id, action: 'add_quota', mode: mode(), value: quota })
      notify('success', t('common.saved'))
      props.onDone()
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
