import { useAction } from '@solidjs/router'
import { createSignal, For, Show, type JSX } from 'solid-js'
import { DataTable, type Column } from '../../components/data-table.tsx'
import { notifyOutcome } from '../../components/toasts.tsx'
import { ActionButton, Badge, ErrorBanner, Field, Modal, QuotaText } from '../../components/ui.tsx'
import { errorMessage } from '../../lib/api.ts'
import { createLoaded, valueOf } from '../../lib/async-data.ts'
import { formatTimestamp } from '../../lib/format.ts'
import { t } from '../../lib/i18n.ts'
import { currencySymbol, parseAmountToQuota, quotaToAmountText } from '../../lib/quota.ts'
import { quotaDisplay } from '../../lib/session.ts'
import { buyPlan, deletePlan, getAvailablePlans, getOwnSubscriptions, getPlans, savePlan, type Plan } from './plan-data.ts'

const grantText = (plan: Pick<Plan, 'grant_every' | 'period_days'>) =>
  (plan.grant_every === 'day' ? t('plans.per_day', { days: plan.period_days }) : t('plans.per_period', { days: plan.period_days }))

/** Admin: the plans on (and off) sale. */
export function PlanListPage(): JSX.Element {
  const plans = createLoaded(() => getPlans())
  const [editing, setEditing] = createSignal<Partial<Plan> | null>(null)
  const remove = useAction(deletePlan)
  const columns: Column<Plan>[] = [
    { id: 'name', header: () => t('redemptions.name'), cell: (plan) => <><strong>{plan.name}</strong><div class="muted small">{plan.description}</div></> },
    { id: 'price', header: () => t('plans.price'), numeric: true, cell: (plan) => `$${plan.price.toFixed(2)}` },
    { id: 'quota', header: () => t('users.quota'), numeric: true, cell: (plan) => <QuotaText quota={plan.quota} /> },
    { id: 'grant', header: () => t('plans.grant'), cell: grantText },
    { id: 'status', header: () => t('common.status'), cell: (plan) => (plan.status === 1 ? <Badge tone="green">{t('plans.on_sale')}</Badge> : <Badge tone="grey">{t('plans.off_sale')}</Badge>) },
  ]
  return (
    <section class="page">
      <header class="page-header">
        <h1>{t('nav.plans')}</h1>
        <div class="header-actions"><button type="button" class="button primary" onClick={() => setEditing({ grant_every: 'period', period_days: 30, status: 1 })}>{t('plans.create')}</button></div>
      </header>
      <DataTable
        testId="plans-table"
        columns={columns}
        rows={plans()}
        actions={(plan) => <>
          <button type="button" class="button small" onClick={() => setEditing(plan)}>{t('common.edit')}</button>
          <ActionButton class="button small danger" action={() => (confirm(t('redemptions.confirm_delete', { name: plan.name })) ? notifyOutcome(() => remove(plan.id), t('common.done')) : undefined)}>{t('common.delete')}</ActionButton>
        </>}
      />
      <Show when={editing()}>{(plan) => <PlanModal plan={plan()} onClose={() => setEditing(null)} />}</Show>
    </section>
  )
}

function PlanModal(props: { plan: Partial<Plan>; onClose: () => void }): JSX.Element {
  const [name, setName] = createSignal(props.plan.name ?? '')
  const [description, setDescription] = createSignal(props.plan.description ?? '')
  const [price, setPrice] = createSignal(props.plan.price?.toString() ?? '')
  const [days, setDays] = createSignal(String(props.plan.period_days ?? 30))
  const [every, setEvery] = createSignal(props.plan.grant_every ?? 'period')
  const [amount, setAmount] = createSignal(props.plan.quota ? quotaToAmountText(props.plan.quota, quotaDisplay()) : '')
  const [onSale, setOnSale] = createSignal((props.plan.status ?? 1) === 1)
  const [error, setError] = createSignal<string | null>(null)
  const save = useAction(savePlan)
  const submit = async () => {
    setError(null)
    const quota = parseAmountToQuota(amount(), quotaDisplay())
    if (quota === null || quota < 1) return setError(t('tokens.amount_invalid'))
    try {
      await save({ id: props.plan.id, name: name().trim(), description: description(), price: Number(price()), period_days: Number(days()), grant_every: every(), quota, status: onSale() ? 1 : 2 })
      props.onClose()
    } catch (problem) {
      setError(errorMessage(problem))
    }
  }
  return (
    <Modal title={props.plan.id ? t('common.edit') : t('plans.create')} onClose={props.onClose} footer={<ActionButton class="button primary" action={submit}>{t('common.save')}</ActionButton>}>
      <ErrorBanner message={error()} />
      <Field label={t('redemptions.name')} for="plan-name"><input id="plan-name" value={name()} onInput={(event) => setName(event.currentTarget.value)} /></Field>
      <Field label={t('plans.description')} for="plan-description"><input id="plan-description" value={description()} onInput={(event) => setDescription(event.currentTarget.value)} /></Field>
      <Field label={t('plans.price_usd')} for="plan-price"><input id="plan-price" inputmode="decimal" value={price()} onInput={(event) => setPrice(event.currentTarget.value)} /></Field>
      <Field label={t('plans.period_days')} for="plan-days"><input id="plan-days" inputmode="numeric" value={days()} onInput={(event) => setDays(event.currentTarget.value)} /></Field>
      <Field label={t('plans.grant')} for="plan-every">
        <select id="plan-every" value={every()} onChange={(event) => setEvery(event.currentTarget.value as 'period' | 'day')}>
          <option value="period">{t('plans.every_period')}</option>
          <option value="day">{t('plans.every_day')}</option>
        </select>
      </Field>
      <Field label={`${t('plans.quota_per_grant')} ${currencySymbol(quotaDisplay())}`} for="plan-quota"><input id="plan-quota" inputmode="decimal" value={amount()} onInput={(event) => setAmount(event.currentTarget.value)} /></Field>
      <label class="checkbox"><input type="checkbox" checked={onSale()} onChange={(event) => setOnSale(event.currentTarget.checked)} /> {t('plans.on_sale')}</label>
    </Modal>
  )
}

/** The Wallet's plans: buy one (EasyPay methods or Stripe), and the user's subscriptions with their next renewal. */
export function WalletPlans(props: { payMethods: { name: string; type: string }[]; stripe: boolean }): JSX.Element {
  const plans = createLoaded(() => getAvailablePlans())
  const subscriptions = createLoaded(() => getOwnSubscriptions())
  const [error, setError] = createSignal<string | null>(null)
  const buy = (planId: number, method: string) => buyPlan(planId, method).catch((problem) => setError(errorMessage(problem)))
  return (
    <Show when={(valueOf(plans())?.length ?? 0) > 0 || (valueOf(subscriptions())?.length ?? 0) > 0}>
      <div class="card" data-testid="plans">
        <h2>{t('wallet.plans')}</h2>
        <ErrorBanner message={error()} />
        <For each={valueOf(plans()) ?? []}>
          {(plan) => (
            <div class="plan-row" data-plan={plan.name}>
              <p><strong>{plan.name}</strong> — <QuotaText quota={plan.quota} /> {grantText(plan)} · ${plan.price.toFixed(2)}{plan.description ? ` · ${plan.description}` : ''}</p>
              <div class="toolbar">
                <For each={props.payMethods}>{(method) => <ActionButton class="button small" action={() => buy(plan.id, method.type)}>{t('plans.buy_with', { name: method.name, money: (plan.epay_money ?? 0).toFixed(2) })}</ActionButton>}</For>
                <Show when={props.stripe}><ActionButton class="button small" action={() => buy(plan.id, 'stripe')}>{t('plans.buy_with', { name: 'Stripe', money: (plan.stripe_money ?? 0).toFixed(2) })}</ActionButton></Show>
              </div>
            </div>
          )}
        </For>
        <Show when={(valueOf(subscriptions())?.length ?? 0) > 0}>
          <table class="table compact" data-testid="subscriptions">
            <thead><tr><th>{t('redemptions.name')}</th><th>{t('common.status')}</th><th>{t('plans.current_grant')}</th><th>{t('plans.next_renewal')}</th><th>{t('plans.ends')}</th></tr></thead>
            <tbody>
              <For each={valueOf(subscriptions())}>{(subscription) => (
                <tr>
                  <td>{subscription.plan_name}</td>
                  <td>{subscription.status === 'active' ? <Badge tone="green">{t('plans.active')}</Badge> : <Badge tone="grey">{t('topups.status_expired')}</Badge>}</td>
                  <td><QuotaText quota={subscription.current_grant} /></td>
                  <td>{formatTimestamp(subscription.next_renewal) || '—'}</td>
                  <td>{formatTimestamp(subscription.end_time)}</td>
                </tr>
              )}</For>
            </tbody>
          </table>
        </Show>
      </div>
    </Show>
  )
}
