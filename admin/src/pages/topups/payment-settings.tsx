import { useAction } from '@solidjs/router'
import { For, Show, type JSX } from 'solid-js'
import { createSecretOptionsForm } from '../../components/secret-options-form.ts'
import { ActionButton, ErrorBanner, Field } from '../../components/ui.tsx'
import { t, type MessageKey } from '../../lib/i18n.ts'
import { getPaymentOptions, savePaymentOptions } from './topup-data.ts'

interface PaymentField { key: string; label: MessageKey; secret?: boolean; multiline?: boolean; hint?: MessageKey }

/** new-api's option names (see README "Online top-up"); secrets are write-only and sealed by the server. */
const fields: PaymentField[] = [
  { key: 'ServerAddress', label: 'payments.server_address', hint: 'payments.server_address_hint' },
  { key: 'PayAddress', label: 'payments.pay_address', hint: 'payments.pay_address_hint' },
  { key: 'EpayId', label: 'payments.epay_id' },
  { key: 'EpayKey', label: 'payments.epay_key', secret: true },
  { key: 'PayMethods', label: 'payments.pay_methods', multiline: true, hint: 'payments.pay_methods_hint' },
  { key: 'Price', label: 'payments.price', hint: 'payments.price_hint' },
  { key: 'MinTopUp', label: 'payments.min_topup' },
  { key: 'payment_setting.amount_options', label: 'payments.amount_options', hint: 'payments.amount_options_hint' },
  { key: 'payment_setting.amount_discount', label: 'payments.amount_discount', hint: 'payments.amount_discount_hint' },
  { key: 'TopupGroupRatio', label: 'payments.group_ratio', hint: 'payments.group_ratio_hint' },
  { key: 'CustomCallbackAddress', label: 'payments.callback_address', hint: 'payments.callback_address_hint' },
  { key: 'TopUpOrderExpireMinutes', label: 'payments.order_expiry' },
  { key: 'TopUpLink', label: 'payments.topup_link' },
  { key: 'StripeApiSecret', label: 'payments.stripe_secret', secret: true },
  { key: 'StripeWebhookSecret', label: 'payments.stripe_webhook_secret', secret: true },
  { key: 'StripeUnitPrice', label: 'payments.stripe_unit_price', hint: 'payments.stripe_unit_price_hint' },
  { key: 'StripeMinTopUp', label: 'payments.stripe_min_topup' },
  { key: 'StripeCurrency', label: 'payments.stripe_currency', hint: 'payments.stripe_currency_hint' },
  { key: 'QuotaForInviter', label: 'payments.quota_for_inviter', hint: 'payments.quota_units_hint' },
  { key: 'QuotaForInvitee', label: 'payments.quota_for_invitee', hint: 'payments.quota_units_hint' },
]

export function PaymentSettingsPage(): JSX.Element {
  const form = createSecretOptionsForm(fields, getPaymentOptions, useAction(savePaymentOptions))
  const values = form.values
  const callbackBase = () => (values().CustomCallbackAddress || values().ServerAddress || location.origin).replace(/\/+$/, '')

  return (
    <section class="page narrow">
      <h1>{t('nav.payment_settings')}</h1>
      <ErrorBanner message={form.error()} />
      <div class="banner banner-info">
        <div>{t('payments.notify_url')}: <code data-testid="notify-url">{callbackBase()}/api/user/epay/notify</code></div>
        <div>{t('payments.stripe_webhook_url')}: <code data-testid="stripe-webhook-url">{callbackBase()}/api/stripe/webhook</code></div>
      </div>
      <form class="card form" onSubmit={(event) => { event.preventDefault(); void form.submit() }}>
        <For each={fields}>
          {(field) => (
            <Field label={field.label.startsWith('payments.') ? t(field.label) : field.key} for={`payment-${field.key}`} hint={field.hint ? t(field.hint) : field.secret ? t('payments.secret_hint') : undefined}>
              <Show when={field.multiline} fallback={
                <input id={`payment-${field.key}`} type={field.secret ? 'password' : 'text'} autocomplete="off" value={values()[field.key] ?? ''} onInput={(event) => form.set(field.key, event.currentTarget.value)} />
              }>
                <textarea id={`payment-${field.key}`} rows={4} value={values()[field.key] ?? ''} onInput={(event) => form.set(field.key, event.currentTarget.value)} />
              </Show>
            </Field>
          )}
        </For>
        <div class="form-actions"><ActionButton class="button primary" type="button" action={form.submit}>{t('common.save')}</ActionButton></div>
      </form>
    </section>
  )
}
