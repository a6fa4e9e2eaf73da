import { randomAlphanumeric } from '../security/crypto.ts'
import type { PaymentSettings } from './settings.ts'

/**
 * What an online top-up costs and how its order is numbered; shared by every payment gateway. `amount` is in USD
 * units of quota (new-api's field, a whole number); money is what the payer is charged, with 2 decimals.
 */

export type Priced = { ok: true; amount: number; money: number } | { ok: false; message: string }

/** Money for `amount`: amount × unit price × the group's top-up ratio × the preset's discount. */
export function priceTopUp(settings: PaymentSettings, amount: unknown, group: string, unitPrice = settings.price, minimum = settings.minTopUp): Priced {
  const value = typeof amount === 'string' && amount.trim() !== '' ? Number(amount) : amount
  if (typeof value !== 'number' || !Number.isFinite(value)) return { ok: false, message: 'amount must be a number' }
  if (!Number.isInteger(value)) return { ok: false, message: 'amount must be a whole number of dollars of quota' }
  if (value < minimum) return { ok: false, message: `The minimum top-up is ${minimum}` }
  if (value > 1_000_000) return { ok: false, message: 'The maximum top-up is 1000000' }
  const groupRatio = settings.topUpGroupRatio[group] ?? 1
  const discount = settings.amountDiscount[String(value)] ?? 1
  const money = Math.round(value * unitPrice * groupRatio * discount * 100) / 100
  if (money < 0.01) return { ok: false, message: 'The amount to pay would be below 0.01' }
  return { ok: true, amount: value, money }
}

/** new-api's order number shape, `USR<user>NO<random><unix seconds>`, with more randomness. */
export const newTradeNo = (userId: number) => `USR${userId}NO${randomAlphanumeric(10)}${Math.floor(Date.now() / 1000)}`

/** The money of two amounts equal to the cent (callbacks send text like "7.30"). */
export function sameMoney(received: string | undefined, expected: number): boolean {
  if (!received || !/^\d{1,12}(\.\d{1,2})?$/.test(received)) return false
  return Math.round(Number(received) * 100) === Math.round(expected * 100)
}
