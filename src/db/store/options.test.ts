import { expect, test } from 'bun:test'
import { describeOnEachDialect } from './contract-suite.ts'

describeOnEachDialect('options store', ({ store }) => {
  test('set inserts, then overwrites', async () => {
    await store().options.set('RetryTimes', '2')
    await store().options.set('RetryTimes', '3')
    await store().options.set('Notice', '')
    expect(await store().options.all()).toEqual({ RetryTimes: '3', Notice: '' })
  })
})
