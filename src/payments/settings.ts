import type { RuntimeOptions } from '../cache/options.ts'
import type { SecretBox } from '../security/crypto.ts'

/**
 * Payment settings, read from the options (new-api's names, §9 of the compatibility notes, plus our own order
 * expiry). Secrets are sealed with CRYPTO_SECRET when an admin saves them; a plaintext value (a database brought
 * over from new-api) is still read.
 */

export interface PayMethod { name: string; type: string; color?: string; icon?: string; min_topup?: number }

export interface PaymentSettings {
  price: number
  minTopUp: number
  payMethods: PayMethod[]
  topUpGroupRatio: Record<string, number>
  amountOptions: number[]
  amountDiscount: Record<string, number>
  /** Base of return URLs (ServerAddress) and of notify URLs unless CustomCallbackAddress is set. */
  serverAddress: string
  callbackAddress: string
  /** Minutes a pending order may be paid; later it expires and a payment for it credits nothing by itself. */
  orderExpireMinutes: number
  epay?: { address: string; merchantId: string; key: string }
  stripe?: { secretKey: string; webhookSecret: string; unitPrice: number; minTopUp: number; currency: string; apiBase?: string }
}

/** Option keys sealed at rest. */
export const sealedOptionKeys = new Set(['EpayKey', 'StripeApiSecret', 'StripeWebhookSecret'])

const defaultPayMethods: PayMethod[] = [
  { name: 'Alipay', type: 'alipay', color: 'rgba(var(--semi-blue-5), 1)' },
  { name: 'WeChat Pay', type: 'wxpay', color: 'rgba(var(--semi-green-5), 1)' },
]

function json<T>(text: string | undefined, fallback: T, accept: (value: unknown) => boolean): T {
  if (!text) return fallback
  try {
    const parsed = JSON.parse(text)
    return accept(parsed) ? parsed as T : fallback
  } catch {
    return fallback
  }
}

const isObject = (value: unknown) => !!value && typeof value === 'object' && !Array.isArray(value)
const trimSlash = (url: string) => url.trim().replace(/\/+$/, '')

/** A sealed secret option in clear; '' when absent or sealed under another CRYPTO_SECRET. */
export function openSecretOption(secretBox: SecretBox, value: string | undefined): string {
  if (!value) return ''
  if (!value.startsWith('v1:')) return value
  try { return secretBox.open(value) } catch { return '' }
}

/** `stripeApiBase`: STRIPE_API_BASE (config), where the Stripe client sends its calls. */
export function readPaymentSettings(options: RuntimeOptions, secretBox: SecretBox, stripeApiBase?: string): PaymentSettings {
  const raw = options.raw
  const number = (key: string, fallback: number) => {
    const value = Number(raw[key])
    return raw[key] !== undefined && raw[key] !== '' && Number.isFinite(value) ? value : fallback
  }
  const serverAddress = trimSlash(raw.ServerAddress ?? '')
  const epayKey = openSecretOption(secretBox, raw.EpayKey)
  const address = trimSlash(raw.PayAddress ?? '')
  const merchantId = (raw.EpayId ?? '').trim()
  const payMethods = json<PayMethod[]>(raw.PayMethods, defaultPayMethods, (value) => Array.isArray(value))
    .filter((method) => method && typeof method.type === 'string' && method.type !== '')
  const stripeSecret = openSecretOption(secretBox, raw.StripeApiSecret)
  const webhookSecret = openSecretOption(secretBox, raw.StripeWebhookSecret)
  return {
    price: number('Price', 7.3),
    minTopUp: number('MinTopUp', 1),
    payMethods,
    topUpGroupRatio: json(raw.TopupGroupRatio, {}, isObject),
    amountOptions: json<number[]>(raw['payment_setting.amount_options'], [10, 20, 50, 100, 200, 500], Array.isArray).filter((value) => Number.isSafeInteger(value) && value > 0),
    amountDiscount: json(raw['payment_setting.amount_discount'], {}, isObject),
    serverAddress,
    callbackAddress: trimSlash(raw.CustomCallbackAddress ?? '') || serverAddress,
    orderExpireMinutes: number('TopUpOrderExpireMinutes', 30),
    epay: address && merchantId && epayKey && payMethods.length ? { address, merchantId, key: epayKey } : undefined,
    stripe: stripeSecret && webhookSecret
      ? { secretKey: stripeSecret, webhookSecret, unitPrice: number('StripeUnitPrice', 8), minTopUp: number('StripeMinTopUp', 1), currency: (raw.StripeCurrency || 'usd').toLowerCase(), apiBase: stripeApiBase }
      : undefined,
  }
}

/** Refuse a payment option that would break top-up; returns the value to store. */
export function validatePaymentOption(key: string, text: string): string {
  const positive = (name: string) => { if (!(Number(text) > 0)) throw new Error(`${name} must be a positive number`) }
  switch (key) {
    case 'Price': case 'StripeUnitPrice': positive(key); break
    case 'QuotaForInviter': case 'QuotaForInvitee':
      if (!/^\d+$/.test(text.trim())) throw new Error(`${key} must be a whole number of quota units ≥ 0`)
      break
    case 'MinTopUp': case 'StripeMinTopUp': case 'TopUpOrderExpireMinutes':
      if (!/^\d+$/.test(text.trim()) || Number(text) < 1) throw new Error(`${key} must be a whole number ≥ 1`)
      break
    case 'StripeCurrency':
      if (!/^[A-Za-z]{3}$/.test(text.trim())) throw new Error('StripeCurrency must be a 3-letter ISO currency code, e.g. usd')
      break
    case 'PayAddress': case 'ServerAddress': case 'CustomCallbackAddress':
      if (text.trim() !== '' && !/^https?:\/\/[^\s/]+/.test(text.trim())) throw new Error(`${key} must be an http(s) URL`)
      break
    case 'PayMethods': {
      const methods = json<unknown>(text, undefined, Array.isArray) as PayMethod[] | undefined
      if (!methods || methods.some((method) => !method || typeof method.type !== 'string' || !/^[\w-]{1,32}$/.test(method.type) || typeof method.name !== 'string')) {
        throw new Error('PayMethods must be a JSON array of {name, type} (type: letters, digits, - or _)')
      }
      break
    }
    case 'payment_setting.amount_options':
      if (!json<unknown[] | undefined>(text, undefined, Array.isArray)?.every((value) => Number.isSafeInteger(value) && (value as number) > 0)) {
        throw new Error('amount_options must be a JSON array of whole amounts > 0')
      }
      break
    case 'payment_setting.amount_discount': {
      const discount = json<Record<string, unknown> | undefined>(text, undefined, isObject)
      if (!discount || Object.values(discount).some((factor) => typeof factor !== 'number' || !(factor > 0) || factor > 1)) {
        throw new Error('amount_discount must be a JSON object of amount → factor between 0 and 1')
      }
      break
    }
  }
  return text
}
