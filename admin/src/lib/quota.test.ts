import { describe, expect, test } from 'bun:test'
import { defaultQuotaDisplay, formatQuota, parseAmountToQuota, quotaToAmountText, ratioToPricePerMillion, readQuotaDisplay } from './quota.ts'

describe('quota display', () => {
  test('USD: 500000 quota is one dollar; small amounts keep four decimals', () => {
    expect(formatQuota(500000, defaultQuotaDisplay)).toBe('$1.00')
    expect(formatQuota(1250, defaultQuotaDisplay)).toBe('$0.0025')
    expect(formatQuota(0, defaultQuotaDisplay)).toBe('$0.00')
    expect(formatQuota(-1000000, defaultQuotaDisplay)).toBe('-$2.00')
  })

  test('CNY multiplies by the exchange rate, TOKENS shows the raw integer, CUSTOM uses its symbol', () => {
    const status = { quota_per_unit: 500000, usd_exchange_rate: 7, quota_display_type: 'CNY' }
    expect(formatQuota(500000, readQuotaDisplay(status))).toBe('¥7.00')
    expect(formatQuota(1234567, readQuotaDisplay({ ...status, quota_display_type: 'TOKENS' }))).toBe('1,234,567')
    expect(formatQuota(1000000, readQuotaDisplay({ quota_display_type: 'CUSTOM', custom_currency_symbol: '€', custom_currency_exchange_rate: 0.5 }))).toBe('€1.00')
  })

  test('a server without quota_display_type but with display_in_currency=false shows tokens', () => {
    expect(readQuotaDisplay({ display_in_currency: false }).type).toBe('TOKENS')
    expect(readQuotaDisplay({ display_in_currency: true }).type).toBe('USD')
  })

  test('a custom QuotaPerUnit from /api/status is honoured', () => {
    expect(formatQuota(1000, readQuotaDisplay({ quota_per_unit: 1000 }))).toBe('$1.00')
  })

  test('typed amounts round-trip to the same integer quota', () => {
    for (const quota of [0, 1, 7, 1250, 500000, 123456789]) {
      expect(parseAmountToQuota(quotaToAmountText(quota, defaultQuotaDisplay), defaultQuotaDisplay)).toBe(quota)
    }
    expect(parseAmountToQuota('$2.5', defaultQuotaDisplay)).toBe(1250000)
    expect(parseAmountToQuota('1,000', defaultQuotaDisplay)).toBe(500000000)
  })

  test('text that is not an amount is refused rather than read as zero', () => {
    expect(parseAmountToQuota('', defaultQuotaDisplay)).toBeNull()
    expect(parseAmountToQuota('ten', defaultQuotaDisplay)).toBeNull()
    expect(parseAmountToQuota('1.2.3', defaultQuotaDisplay)).toBeNull()
  })

  test('ratio 1 is $2 per million tokens (new-api convention)', () => {
    expect(ratioToPricePerMillion(1, defaultQuotaDisplay)).toBe('$2.00')
    expect(ratioToPricePerMillion(0.075, defaultQuotaDisplay)).toBe('$0.1500')
  })
})
