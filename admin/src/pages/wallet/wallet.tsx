import { useAction, useSearchParams } from '@solidjs/router'
import { createEffect, createSignal, For, on, onMount, Show, type JSX } from 'solid-js'
import { DataTable, type Column } from '../../components/data-table.tsx'
import { notify, notifyOutcome } from '../../components/toasts.tsx'
import { ActionButton, Badge, ErrorBanner, Field, Pager, QuotaText } from '../../components/ui.tsx'
import { errorMessage } from '../../lib/api.ts'
import { createLoaded, mapLoaded, valueOf } from '../../lib/async-data.ts'
import { formatTimestamp } from '../../lib/format.ts'
import { t, type MessageKey } from '../../lib/i18n.ts'
import { loadSelf, quotaDisplay, user } from '../../lib/session.ts'
import { currencySymbol, parseAmountToQuota, quotaToAmountText } from '../../lib/quota.ts'
import {
  getInvitationCode, getOwnTopUps, saveLowBalanceNotice, getTopUpInfo, payOnline, payWithStripe, previewPrice, previewStripePrice, redeemCode, transferInvitationRewards, type TopUpOrder,
} from './wallet-data.ts'
import { WalletPlans } from '../plans/plan-list.tsx'

export function orderStatusBadge(status: TopUpOrder['status']): JSX.Element {
  const tone = status === 'success' ? 'green' : status === 'pending' ? 'blue' : status === 'expired' ? 'grey' : 'red'
  return <Badge tone={tone}>{t(`topups.status_${status}` as MessageKey)}</Badge>
}

/** The columns of an order list; the admin's list also names the user. */
export function orderColumns(withUser = false): Column<TopUpOrder>[] {
  return [
    { id: 'trade_no', header: () => t('topups.trade_no'), cell: (order) => <code class="small">{order.trade_no}</code> },
    ...(withUser ? [{ id: 'user', header: () => t('topups.user'), cell: (order: TopUpOrder) => `#${order.user_id}` }] : []),
    { id: 'amount', header: () => t('topups.amount'), numeric: true, cell: (order) => order.amount },
    { id: 'money', header: () => t('topups.money'), numeric: true, cell: (order) => order.money.toFixed(2) },
    { id: 'method', header: () => t('topups.method'), cell: (order) => `${order.payment_provider} ${order.payment_method}`.trim() },
    { id: 'status', header: () => t('common.status'), cell: (order) => orderStatusBadge(order.status) },
    { id: 'created', header: () => t('topups.created'), cell: (order) => formatTimestamp(order.create_time) },
    { id: 'completed', header: () => t('topups.completed'), cell: (order) => formatTimestamp(order.complete_time) || '—' },
  ]
}

/** A user's money: balance, redeem a code, pay online, and the history of orders. */
export function WalletPage(): JSX.Element {
  const [search] = useSearchParams()
  const info = createLoaded(() => getTopUpInfo())
  const [page, setPage] = createSignal(1)
  const [pageSize, setPageSize] = createSignal(10)
  const orders = createLoaded(() => getOwnTopUps(page(), pageSize()))
  const [code, setCode] = createSignal('')
  const [redeemError, setRedeemError] = createSignal<string | null>(null)
  const redeem = useAction(redeemCode)
  const [amount, setAmount] = createSignal('')
  const [preview, setPreview] = createSignal<string | null>(null)
  const [payError, setPayError] = createSignal<string | null>(null)
  const [stripePreview, setStripePreview] = createSignal<string | null>(null)
  const online = () => !!valueOf(info())?.enable_online_topup || !!valueOf(info())?.enable_stripe_topup

  // Back from the gateway: the callback has normally been handled already; show the fresh balance.
  onMount(() => { if (search.trade_no) void loadSelf().catch(() => undefined) })
  const returnedOrder = () => valueOf(orders())?.items.find((order) => order.trade_no === search.trade_no)

  createEffect(on(info, (loaded) => {
    const first = valueOf(loaded)?.amount_options[0]
    if (first !== undefined && amount() === '') setAmount(String(first))
  }))
  // Price preview as the amount changes (the server computes it: group ratio and discounts are its business).
  createEffect(on(amount, (text) => {
    setPreview(null)
    setStripePreview(null)
    setPayError(null)
    const value = Number(text)
    if (!text || !Number.isFinite(value)) return
    const show = (set: (money: string) => void) => (answer: { ok: true; money: string } | { ok: false; reason: string }) => {
      if (amount() !== text) return
      if (answer.ok) set(answer.money)
      else setPayError(answer.reason)
    }
    const failed = (problem: unknown) => setPayError(errorMessage(problem))
    if (valueOf(info())?.enable_online_topup) previewPrice(value).then(show(setPreview)).catch(failed)
    if (valueOf(info())?.enable_stripe_topup) previewStripePrice(value).then(show(setStripePreview)).catch(failed)
  }))

  const submitCode = async () => {
    setRedeemError(null)
    if (!code().trim()) return setRedeemError(t('wallet.code_required'))
    try {
      await redeem(code())
      setCode('')
      notify('success', t('wallet.redeemed'))
    } catch (problem) {
      setRedeemError(errorMessage(problem))
    }
  }

  const pay = async (method: string) => {
    setPayError(null)
    try {
      await payOnline(Number(amount()), method)
    } catch (problem) {
      setPayError(errorMessage(problem))
    }
  }


  return (
    <section class="page">
      <header class="page-header"><h1>{t('nav.wallet')}</h1></header>
      <Show when={search.trade_no}>
        <div class="banner banner-info" data-testid="payment-return">
          <Show when={returnedOrder()?.status === 'success'} fallback={t('wallet.payment_pending', { trade_no: String(search.trade_no) })}>
            {t('wallet.payment_received', { trade_no: String(search.trade_no) })}
          </Show>
        </div>
      </Show>
      <div class="card">
        <dl class="facts">
          <dt>{t('wallet.balance')}</dt><dd data-testid="wallet-balance"><QuotaText quota={user()?.quota} /></dd>
          <dt>{t('users.used_quota')}</dt><dd><QuotaText quota={user()?.used_quota} /></dd>
        </dl>
      </div>

      <Show when={online()}>
        <div class="card form" data-testid="online-topup">
          <h2>{t('wallet.online_topup')}</h2>
          <div class="toolbar">
            <For each={valueOf(info())!.amount_options}>
              {(option) => (
                <button type="button" class="button" classList={{ primary: amount() === String(option) }} onClick={() => setAmount(String(option))}>
                  {option}{valueOf(info())!.discount[String(option)] ? ` (${Math.round(valueOf(info())!.discount[String(option)]! * 100)}%)` : ''}
                </button>
              )}
            </For>
          </div>
          <Field label={t('wallet.amount')} for="topup-amount" hint={t('wallet.amount_hint', { min: valueOf(info())!.min_topup })}>
            <input id="topup-amount" inputmode="numeric" value={amount()} onInput={(event) => setAmount(event.currentTarget.value.trim())} />
          </Field>
          <Show when={valueOf(info())!.enable_online_topup}>
            <p data-testid="price-preview">{preview() ? t('wallet.to_pay', { money: preview()! }) : '—'}</p>
          </Show>
          <Show when={valueOf(info())!.enable_stripe_topup}>
            <p data-testid="stripe-price-preview">{stripePreview() ? t('wallet.to_pay_card', { money: stripePreview()! }) : '—'}</p>
          </Show>
          <ErrorBanner message={payError()} />
          <div class="form-actions">
            <For each={valueOf(info())!.enable_online_topup ? valueOf(info())!.pay_methods : []}>
              {(method) => <ActionButton class="button primary" data-method={method.type} disabled={!preview()} action={() => pay(method.type)}>{t('wallet.pay_with', { name: method.name })}</ActionButton>}
            </For>
            <Show when={valueOf(info())!.enable_stripe_topup}>
              <ActionButton class="button primary" disabled={!stripePreview()} action={() => payWithStripe(Number(amount())).catch((problem) => setPayError(errorMessage(problem)))}>{t('wallet.pay_card')}</ActionButton>
            </Show>
          </div>
        </div>
      </Show>
      <Show when={valueOf(info()) && !online() && valueOf(info())!.topup_link}>
        <p><a href={valueOf(info())!.topup_link} target="_blank" rel="noopener noreferrer">{t('wallet.buy_codes')}</a></p>
      </Show>

      <form class="card form" onSubmit={(event) => { event.preventDefault(); void submitCode() }}>
        <h2>{t('wallet.redeem_title')}</h2>
        <ErrorBanner message={redeemError()} />
        <Field label={t('wallet.code')} for="redeem-code">
          <input id="redeem-code" autocomplete="off" spellcheck={false} value={code()} onInput={(event) => setCode(event.currentTarget.value)} />
        </Field>
        <div class="form-actions"><button type="submit" class="button primary">{t('wallet.redeem')}</button></div>
      </form>

      <Show when={valueOf(info())}>
        {(loaded) => <WalletPlans payMethods={loaded().enable_online_topup ? loaded().pay_methods : []} stripe={loaded().enable_stripe_topup} />}
      </Show>

      <Invitations />
      <LowBalanceNotice />

      <h2>{t('wallet.history')}</h2>
      <DataTable testId="topup-history" columns={orderColumns()} rows={mapLoaded(orders(), (result) => result.items)} />
      <Pager page={page()} pageSize={pageSize()} total={valueOf(orders())?.total ?? 0} onPage={setPage} onPageSize={(size) => { setPageSize(size); setPage(1) }} />
    </section>
  )
}

/** The user's invitation code, who joined through it, and moving the rewards into the balance. */
function Invitations(): JSX.Element {
  const code = createLoaded(() => getInvitationCode())
  const transfer = useAction(transferInvitationRewards)
  const waiting = () => user()?.aff_quota ?? 0
  const unit = () => quotaDisplay().quotaPerUnit
  return (
    <div class="card" data-testid="invitations">
      <h2>{t('wallet.invitations')}</h2>
      <dl class="facts">
        <dt>{t('wallet.invitation_code')}</dt><dd><code data-testid="invitation-code">{valueOf(code()) ?? '…'}</code></dd>
        <dt>{t('wallet.invited')}</dt><dd data-testid="invited-count">{user()?.aff_count ?? 0}</dd>
        <dt>{t('wallet.rewards_waiting')}</dt><dd data-testid="rewards-waiting"><QuotaText quota={waiting()} /></dd>
        <dt>{t('wallet.rewards_total')}</dt><dd><QuotaText quota={user()?.aff_history_quota ?? 0} /></dd>
      </dl>
      <p class="muted small">{t('wallet.invitation_hint')}</p>
      <div class="form-actions">
        <ActionButton class="button" disabled={waiting() < unit()} action={() => notifyOutcome(() => transfer(waiting()), t('wallet.transferred'))}>{t('wallet.transfer')}</ActionButton>
      </div>
    </div>
  )
}

/** The user's low-balance notice: one signed webhook call, or one e-mail, when the balance drops to the threshold. */
function LowBalanceNotice(): JSX.Element {
  const stored = (() => { try { return JSON.parse(user()?.setting ?? '') as Record<string, unknown> } catch { return {} } })()
  const [amount, setAmount] = createSignal(Number(stored.quota_warning_threshold) > 0 ? quotaToAmountText(Number(stored.quota_warning_threshold), quotaDisplay()) : '')
  const [url, setUrl] = createSignal(typeof stored.webhook_url === 'string' ? stored.webhook_url : '')
  const [secret, setSecret] = createSignal('')
  const [by, setBy] = createSignal<'webhook' | 'email'>(stored.notify_type === 'email' ? 'email' : 'webhook')
  const [email, setEmail] = createSignal(typeof stored.notification_email === 'string' ? stored.notification_email : '')
  const [error, setError] = createSignal<string | null>(null)
  const save = useAction(saveLowBalanceNotice)
  const submit = async () => {
    setError(null)
    const threshold = amount() ? parseAmountToQuota(amount(), quotaDisplay()) : 0
    if (threshold === null || threshold < 0) return setError(t('tokens.amount_invalid'))
    try {
      await save({ threshold, by: by(), webhookUrl: url().trim(), webhookSecret: secret(), email: email().trim() })
      setSecret('')
      notify('success', t('common.saved'))
    } catch (problem) {
      setError(errorMessage(problem))
    }
  }
  return (
    <form class="card form" data-testid="low-balance" onSubmit={(event) => { event.preventDefault(); void submit() }}>
      <h2>{t('wallet.notice_title')}</h2>
      <ErrorBanner message={error()} />
      <Field label={`${t('wallet.notice_threshold')} ${currencySymbol(quotaDisplay())}`} for="notice-threshold" hint={t('wallet.notice_threshold_hint')}>
        <input id="notice-threshold" inputmode="decimal" value={amount()} onInput={(event) => setAmount(event.currentTarget.value)} />
      </Field>
      <Field label={t('wallet.notice_by')} for="notice-by">
        <select id="notice-by" value={by()} onChange={(event) => setBy(event.currentTarget.value as 'webhook' | 'email')}>
          <option value="webhook">{t('wallet.notice_by_webhook')}</option>
          <option value="email">{t('wallet.notice_by_email')}</option>
        </select>
      </Field>
      <Show when={by() === 'webhook'} fallback={
        <Field label={t('wallet.notice_email')} for="notice-email" hint={t('wallet.notice_email_hint', { email: user()?.email || '—' })}>
          <input id="notice-email" type="email" value={email()} onInput={(event) => setEmail(event.currentTarget.value)} />
        </Field>
      }>
        <Field label={t('wallet.notice_url')} for="notice-url"><input id="notice-url" type="url" value={url()} onInput={(event) => setUrl(event.currentTarget.value)} /></Field>
        <Field label={t('wallet.notice_secret')} for="notice-secret" hint={t('wallet.notice_secret_hint')}>
          <input id="notice-secret" type="password" autocomplete="off" value={secret()} onInput={(event) => setSecret(event.currentTarget.value)} />
        </Field>
      </Show>
      <div class="form-actions"><button type="submit" class="button">{t('common.save')}</button></div>
    </form>
  )
}
