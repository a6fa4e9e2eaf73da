import { describe, expect, test } from 'bun:test'
import { epaySign, epayVerify } from './easypay.ts'
import { priceTopUp, sameMoney } from './orders.ts'
import { readPaymentSettings, validatePaymentOption } from './settings.ts'
import { parseOptions } from '../cache/options.ts'
import { createSecretBox } from '../security/crypto.ts'

describe('EasyPay signing', () => {
  test('the go-epay library test vector', () => {
    expect(epaySign({ device: 'devicev', money: 'moneyv' }, '1234567')).toBe('3854cc9f022e0fb821bd2e002260245d')
  })

  test('sign and sign_type and empty values are left out; keys sorted; raw values', () => {
    const base = { money: 'moneyv', device: 'devicev' }
    const signed = epaySign(base, '1234567')
    expect(epaySign({ ...base, sign: 'x', sign_type: 'MD5', empty: '' }, '1234567')).toBe(signed)
    expect(epaySign({ name: 'a b&c' }, 'k')).toBe(new Bun.CryptoHasher('md5').update('name=a b&ck').digest('hex'))
  })

  test('verify accepts the right signature only', () => {
    const parameters = { pid: '1001', money: '7.30', out_trade_no: 'USR1NOx', trade_status: 'TRADE_SUCCESS' }
    const sign = epaySign(parameters, 'merchant-key')
    expect(epayVerify({ ...parameters, sign, sign_type: 'MD5' }, 'merchant-key')).toBe(true)
    expect(epayVerify({ ...parameters, sign: sign.toUpperCase() }, 'merchant-key')).toBe(true)
    expect(epayVerify({ ...parameters, money: '7.31', sign }, 'merchant-key')).toBe(false)
    expect(epayVerify({ ...parameters, sign }, 'other-key')).toBe(false)
    expect(epayVerify({ ...parameters, sign: 'short' }, 'merchant-key')).toBe(false)
    expect(epayVerify(parameters, 'merchant-key')).toBe(false)
  })
})

describe('top-up pricing', () => {
  const box = createSecretBox('test-secret')
  const settings = readPaymentSettings(parseOptions({
    Price: '7.3', MinTopUp: '5', TopupGroupRatio: '{"vip":0.5}', 'payment_setting.amount_discount': '{"100":0.9}',
  }), box)

  test('money = amount × price × group ratio × discount, 2 decimals', () => {
    expect(priceTopUp(settings, 10, 'default')).toEqual({ ok: true, amount: 10, money: 73 })
    expect(priceTopUp(settings, 10, 'vip')).toEqual({ ok: true, amount: 10, money: 36.5 })
    expect(priceTopUp(settings, 100, 'default')).toEqual({ ok: true, amount: 100, money: 657 })
    expect(priceTopUp(settings, '7', 'default')).toEqual({ ok: true, amount: 7, money: 51.1 })
  })

  test('below the minimum, fractions and nonsense are refused with the reason', () => {
    expect(priceTopUp(settings, 4, 'default')).toEqual({ ok: false, message: 'The minimum top-up is 5' })
    expect(priceTopUp(settings, 5.5, 'default')).toMatchObject({ ok: false, message: expect.stringContaining('whole number') })
    expect(priceTopUp(settings, 'ten', 'default')).toMatchObject({ ok: false })
    expect(priceTopUp(settings, Number.NaN, 'default')).toMatchObject({ ok: false })
  })

  test('callback money must match to the cent and be plain decimal text', () => {
    expect(sameMoney('7.30', 7.3)).toBe(true)
    expect(sameMoney('7.3', 7.3)).toBe(true)
    expect(sameMoney('7.31', 7.3)).toBe(false)
    expect(sameMoney('7.300', 7.3)).toBe(false)
    expect(sameMoney('7e0', 7)).toBe(false)
    expect(sameMoney(undefined, 7)).toBe(false)
  })

  test('EasyPay is enabled only with address, merchant id, key and methods; the key may be sealed', () => {
    expect(settings.epay).toBeUndefined()
    const sealed = readPaymentSettings(parseOptions({ PayAddress: 'https://pay.example.com/', EpayId: '1001', EpayKey: box.seal('k') }), box)
    expect(sealed.epay).toEqual({ address: 'https://pay.example.com', merchantId: '1001', key: 'k' })
    expect(readPaymentSettings(parseOptions({ PayAddress: 'https://pay.example.com', EpayId: '1001', EpayKey: 'plain' }), box).epay?.key).toBe('plain')
    expect(readPaymentSettings(parseOptions({ PayAddress: 'https://pay.example.com', EpayId: '1001', EpayKey: 'k', PayMethods: '[]' }), box).epay).toBeUndefined()
  })

  test('payment options are validated', () => {
    expect(() => validatePaymentOption('Price', '0')).toThrow('Price')
    expect(() => validatePaymentOption('MinTopUp', '1.5')).toThrow('whole number')
    expect(() => validatePaymentOption('PayAddress', 'ftp://x')).toThrow('http')
    expect(() => validatePaymentOption('PayMethods', '[{"name":"x","type":"a b"}]')).toThrow('PayMethods')
    expect(() => validatePaymentOption('payment_setting.amount_discount', '{"10":1.5}')).toThrow('between 0 and 1')
    expect(validatePaymentOption('PayMethods', '[{"name":"Alipay","type":"alipay"}]')).toBe('[{"name":"Alipay","type":"alipay"}]')
  })
})
