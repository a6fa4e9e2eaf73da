/**
 * Money is integer quota (QuotaPerUnit quota = 1 USD). The console shows currency, the way the
 * operator configured it (`quota_display_type` in /api/status), and keeps the raw integer for hover.
 */

export interface QuotaDisplay {
  /** USD, CNY, CUSTOM or TOKENS. */
  type: string
  quotaPerUnit: number
  usdExchangeRate: number
  customSymbol: string
  customExchangeRate: number
}

export const defaultQuotaDisplay: QuotaDisplay = {
  type: 'USD',
  quotaPerUnit: 500000,
  usdExchangeRate: 7.3,
  customSymbol: '¤',
  customExchangeRate: 1,
}

export function readQuotaDisplay(status: Record<string, unknown> | null | undefined): QuotaDisplay {
  if (!status) return defaultQuotaDisplay
  const number = (value: unknown, fallback: number) => {
    const parsed = typeof value === 'string' ? Number(value) : value
    return typeof parsed === 'number' && Number.isFinite(parsed) && parsed > 0 ? parsed : fallback
  }
  let type = typeof status.quota_display_type === 'string' && status.quota_display_type ? status.quota_display_type.toUpperCase() : 'USD'
  // Older servers only say whether to show currency at all.
  if (status.quota_display_type === undefined && status.display_in_currency === false) type = 'TOKENS'
  return {
    type,
    quotaPerUnit: number(status.quota_per_unit, defaultQuotaDisplay.quotaPerUnit),
    usdExchangeRate: number(status.usd_exchange_rate, defaultQuotaDisplay.usdExchangeRate),
    customSymbol: typeof status.custom_currency_symbol === 'string' && status.custom_currency_symbol ? status.custom_currency_symbol : '¤',
    customExchangeRate: number(status.custom_currency_exchange_rate, 1),
  }
}

/** Currency units per quota unit, and the symbol; TOKENS mode has neither. */
function currencyOf(display: QuotaDisplay): { symbol: string; perQuota: number } | null {
  const usdPerQuota = 1 / display.quotaPerUnit
  switch (display.type) {
    case 'TOKENS':
      return null
    case 'CNY':
      return { symbol: '¥', perQuota: usdPerQuota * display.usdExchangeRate }
    case 'CUSTOM':
      return { symbol: display.customSymbol, perQuota: usdPerQuota * display.customExchangeRate }
    default:
      return { symbol: '$', perQuota: usdPerQuota }
  }
}

export function currencySymbol(display: QuotaDisplay): string {
  return currencyOf(display)?.symbol ?? ''
}

/** Two decimals from 1 up, more below so that one cent's worth of tokens does not read as zero. */
export function formatAmount(amount: number): string {
  const magnitude = Math.abs(amount)
  if (magnitude === 0) return '0.00'
  if (magnitude >= 1) return amount.toFixed(2)
  if (magnitude >= 0.0001) return amount.toFixed(4)
  return String(Number(amount.toPrecision(2)))
}

export function formatQuota(quota: number, display: QuotaDisplay): string {
  const currency = currencyOf(display)
  if (!currency) return Math.round(quota).toLocaleString('en-US')
  const amount = quota * currency.perQuota
  const sign = amount < 0 ? '-' : ''
  return `${sign}${currency.symbol}${formatAmount(Math.abs(amount))}`
}

/** Amount typed in the display currency → integer quota. `null` when the text is not a number. */
export function parseAmountToQuota(text: string, display: QuotaDisplay): number | null {
  const cleaned = text.trim().replace(/^[$¥¤]/, '').replace(/,/g, '')
  if (cleaned === '' || !/^-?\d*(\.\d+)?$/.test(cleaned)) return null
  const amount = Number(cleaned)
  if (!Number.isFinite(amount)) return null
  const currency = currencyOf(display)
  if (!currency) return Math.round(amount)
  return Math.round(amount / currency.perQuota)
}

/** Integer quota → the editable amount in the display currency (no symbol). */
export function quotaToAmountText(quota: number, display: QuotaDisplay): string {
  const currency = currencyOf(display)
  if (!currency) return String(Math.round(quota))
  const amount = quota * currency.perQuota
  // Enough digits that a round trip through parseAmountToQuota gives back the same integer.
  return String(Number(amount.toFixed(8)))
}

/** new-api: ratio 1 = 1 quota per token; shown per 1M tokens in the display currency. */
export function ratioToPricePerMillion(ratio: number, display: QuotaDisplay): string {
  const currency = currencyOf(display)
  if (!currency) return `${(ratio * 1_000_000).toLocaleString('en-US')}`
  return `${currency.symbol}${formatAmount(ratio * 1_000_000 * currency.perQuota)}`
}

/** Per-call price is configured in USD; convert to the display currency. */
export function formatUsdPrice(usd: number, display: QuotaDisplay): string {
  return formatQuota(usd * display.quotaPerUnit, display)
}
