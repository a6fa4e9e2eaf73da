import { createHash, timingSafeEqual } from 'node:crypto'
import type { TopUpRow } from '../db/store.ts'
import { sameMoney } from './orders.ts'
import type { PaymentSettings } from './settings.ts'

/**
 * EasyPay (易支付), as new-api and Calcium-Ion/go-epay speak it: a signed form POSTed by the browser to
 * `<PayAddress>/submit.php`, and a notify callback signed the same way (MD5 over the sorted non-empty parameters
 * without `sign`/`sign_type`, raw values joined `k=v&…`, the merchant key appended).
 */

export function epaySign(parameters: Record<string, string>, key: string): string {
  const text = Object.keys(parameters)
    .filter((name) => name !== 'sign' && name !== 'sign_type' && parameters[name] !== '')
    .sort()
    .map((name) => `${name}=${parameters[name]}`)
    .join('&')
  return createHash('md5').update(text + key).digest('hex')
}

export function epayVerify(parameters: Record<string, string>, key: string): boolean {
  const received = parameters.sign ?? ''
  if (!/^[0-9a-f]{32}$/i.test(received)) return false
  return timingSafeEqual(Buffer.from(epaySign(parameters, key)), Buffer.from(received.toLowerCase()))
}

/** The form the browser posts to the gateway for `order`. */
export function epayForm(epay: NonNullable<PaymentSettings['epay']>, settings: PaymentSettings, order: TopUpRow, paymentMethod: string) {
  const fields: Record<string, string> = {
    pid: epay.merchantId,
    type: paymentMethod,
    out_trade_no: order.tradeNo,
    notify_url: `${settings.callbackAddress}/api/user/epay/notify`,
    return_url: `${settings.serverAddress}/wallet?trade_no=${encodeURIComponent(order.tradeNo)}`,
    name: `TUC${order.amount}`,
    money: order.money.toFixed(2),
    device: 'pc',
  }
  return { url: `${epay.address}/submit.php`, fields: { ...fields, sign: epaySign(fields, epay.key), sign_type: 'MD5' } }
}

/** What a notify callback asks for, once its signature and merchant are checked against our order. */
export type EpayVerdict =
  | { action: 'credit'; tradeNo: string; paymentMethod: string }
  /** Signed and ours, nothing to credit (not paid yet, or already handled): acknowledge. */
  | { action: 'ignore'; tradeNo: string }
  /** Refused: nothing is credited and the admin is told why. */
  | { action: 'refuse'; reason: string; tradeNo?: string; userId?: number; acknowledge?: boolean }

/**
 * Check a callback. Beyond new-api: the merchant id and the money must be the order's, the order must be ours,
 * EasyPay's and still payable (not expired).
 */
export function judgeEpayCallback(parameters: Record<string, string>, epay: NonNullable<PaymentSettings['epay']>, order: TopUpRow | undefined, expiredBefore: number): EpayVerdict {
  if (!epayVerify(parameters, epay.key)) return { action: 'refuse', reason: 'bad signature', tradeNo: parameters.out_trade_no }
  const tradeNo = parameters.out_trade_no ?? ''
  if (parameters.pid !== epay.merchantId) return { action: 'refuse', reason: `merchant id ${JSON.stringify(String(parameters.pid).slice(0, 32))} is not ours`, tradeNo }
  if (!order) return { action: 'refuse', reason: 'unknown order', tradeNo }
  if (order.paymentProvider !== 'epay') return { action: 'refuse', reason: `order belongs to ${order.paymentProvider || 'another provider'}`, tradeNo, userId: order.userId }
  if (!sameMoney(parameters.money, order.money)) {
    return { action: 'refuse', reason: `money ${JSON.stringify(String(parameters.money).slice(0, 16))} differs from the order's ${order.money.toFixed(2)}`, tradeNo, userId: order.userId }
  }
  if (parameters.trade_status !== 'TRADE_SUCCESS') return { action: 'ignore', tradeNo }
  if (order.status === 'expired' || (order.status === 'pending' && order.createTime < expiredBefore)) {
    return { action: 'refuse', reason: 'paid after the order expired; complete it by hand if you accept the payment', tradeNo, userId: order.userId, acknowledge: true }
  }
  if (order.status !== 'pending') return { action: 'ignore', tradeNo }
  return { action: 'credit', tradeNo, paymentMethod: parameters.type ?? '' }
}
