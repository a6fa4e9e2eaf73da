import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { startRelayHarness, type RelayHarness } from '../testing/relay.ts'

/** Tokens of the `auto` group: served by the first of their groups with a channel for the model, priced there. */
let harness: RelayHarness
const keyOf = (request: { headers: Record<string, string> }) => request.headers.authorization?.replace('Bearer ', '')
const chat = (key: string, model: string) => harness.client(key).chat.completions.create({ model, messages: [{ role: 'user', content: 'hi' }] })
/** The SDK's APIPromise is not a native promise: settle it into the error (or 'answered') before asserting. */
const failureOf = (key: string, model: string) => chat(key, model).then(() => 'answered', (error: { status: number }) => error)
async function lastRow() {
  await harness.server.flushUsage()
  return (await harness.root.call('GET', '/api/log/?page_size=1')).body.data.items[0] as { group: string; quota: number; type: number; content: string }
}

beforeAll(async () => {
  harness = await startRelayHarness()
  await harness.setOption('UserUsableGroups', { default: 'Default', vip: 'VIP' })
  await harness.setOption('GroupRatio', { default: 1, vip: 2 })
  await harness.setOption('ModelRatio', { 'vip-only': 1, common: 1, both: 1 })
  await harness.addChannel({ name: 'vip', key: 'key-vip', models: 'vip-only,both', group: 'vip' })
  await harness.addChannel({ name: 'default', key: 'key-default', models: 'common,both', group: 'default' })
  harness.upstream.setOptions({ onRequest: (request) => (keyOf(request) === 'key-default' && (request.body as { model: string }).model === 'both' ? Response.json({ error: { message: 'overloaded', type: 'server_error', code: null } }, { status: 500 }) : undefined) })
})
afterAll(() => harness.dispose())

describe('auto group', () => {
  test('a model only another usable group serves is served there and priced at that group\'s ratio', async () => {
    const { key } = await harness.addToken({ group: 'auto' })
    expect((await chat(key, 'vip-only')).choices.length).toBe(1)
    const vip = await lastRow()
    expect(vip.group).toBe('vip')
    expect((await chat(key, 'common')).choices.length).toBe(1)
    const common = await lastRow()
    expect(common.group).toBe('default')
    // Same usage, twice the ratio.
    expect(vip.quota).toBe(common.quota * 2)
    const listed = (await harness.client(key).models.list()).data.map((model) => model.id)
    expect(listed).toEqual(expect.arrayContaining(['vip-only', 'common', 'both']))
  })

  test('AutoGroups sets the order; a token of a fixed group keeps to it', async () => {
    await harness.setOption('AutoGroups', ['vip', 'default'])
    const { key } = await harness.addToken({ group: 'auto' })
    await chat(key, 'both')
    expect((await lastRow()).group).toBe('vip')
    await harness.setOption('AutoGroups', '[]')
    const fixed = await harness.addToken({ group: 'default' })
    expect(await failureOf(fixed.key, 'vip-only')).toMatchObject({ status: 503 })
    const refused = await harness.root.call('PUT', '/api/option/', { key: 'AutoGroups', value: '{"vip":1}' })
    expect(refused.body.message).toContain('AutoGroups must be a JSON array of group names')
  })

  test('cross_group_retry: a failing group hands the request to the next one; without it the failure is the answer', async () => {
    const retrying = await harness.addToken({ group: 'auto', cross_group_retry: true })
    expect((await chat(retrying.key, 'both')).choices.length).toBe(1)
    const served = await lastRow()
    expect(served.type).toBe(2)
    expect(served.group).toBe('vip')
    const plain = await harness.addToken({ group: 'auto' })
    expect(await failureOf(plain.key, 'both')).toMatchObject({ status: 500 })
  })
})
