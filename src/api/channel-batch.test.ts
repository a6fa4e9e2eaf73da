import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import OpenAI from 'openai'
import { startRelayHarness, type RelayHarness } from '../testing/relay.ts'
import { verifySession } from '../testing/secure-verification.ts'

/** Tags, copies, multi-key keys and balances through the real server, as an operator's script would call them. */
let harness: RelayHarness
const channel = async (id: number) => (await harness.root.call('GET', `/api/channel/${id}`)).body.data
const keyOf = (request: { headers: Record<string, string> }) => request.headers.authorization?.replace('Bearer ', '')

beforeAll(async () => {
  harness = await startRelayHarness()
})
afterAll(() => harness.dispose())

describe('tags', () => {
  test('set by ids, then enable, disable and edit every channel of a tag', async () => {
    const a = await harness.addChannel({ name: 'pool-1', models: 'gpt-4o' })
    const b = await harness.addChannel({ name: 'pool-2', models: 'gpt-4o,gpt-4o-mini' })
    const untouched = await harness.addChannel({ name: 'alone', models: 'gpt-4o', priority: 7 })
    expect((await harness.root.call('POST', '/api/channel/batch/tag', { ids: [a, b], tag: 'eu-pool' })).body).toMatchObject({ success: true, data: 2 })
    expect((await harness.root.call('GET', '/api/channel/?tag=eu-pool')).body.data.total).toBe(2)

    expect((await harness.root.call('POST', '/api/channel/tag/disabled', { tag: 'eu-pool' })).body.data).toBe(2)
    expect([(await channel(a)).status, (await channel(b)).status, (await channel(untouched)).status]).toEqual([2, 2, 1])
    expect(harness.server.caches.routing.byId.get(a)?.status).toBe(2)
    expect((await harness.root.call('POST', '/api/channel/tag/enabled', { tag: 'eu-pool' })).body.data).toBe(2)
    expect((await channel(b)).status).toBe(1)
    // An imported channel of a type the gateway does not relay (PaLM) stays disabled.
    await harness.server.store.channels.update(a, { type: 11, status: 2 })
    await harness.server.store.channels.update(b, { status: 2 })
    expect((await harness.root.call('POST', '/api/channel/tag/enabled', { tag: 'eu-pool' })).body.data).toBe(1)
    expect((await channel(a)).status).toBe(2)
    await harness.server.store.channels.update(a, { type: 1, status: 1 })

    expect((await harness.root.call('GET', '/api/channel/tag/models?tag=eu-pool')).body.data).toBe('gpt-4o,gpt-4o-mini')
    const edited = await harness.root.call('PUT', '/api/channel/tag', { tag: 'eu-pool', priority: 5, weight: 3, models: 'gpt-4o-mini', new_tag: 'eu' })
    expect(edited.body).toMatchObject({ success: true, data: 2 })
    expect(await channel(a)).toMatchObject({ priority: 5, weight: 3, models: 'gpt-4o-mini', tag: 'eu' })
    expect(await channel(untouched)).toMatchObject({ priority: 7, models: 'gpt-4o', tag: '' })
  })

  test('bad input names the problem and changes nothing', async () => {
    const id = await harness.addChannel({ name: 'mapped', models: 'gpt-4o', tag: 'strict' })
    const refused = await harness.root.call('PUT', '/api/channel/tag', { tag: 'strict', model_mapping: '{"a": ', priority: 99 })
    expect(refused.status).toBe(400)
    expect(refused.body.message).toContain('model_mapping is not valid JSON')
    expect((await channel(id)).priority).toBe(0)
    const unknown = await harness.root.call('POST', '/api/channel/tag/enabled', { tag: 'no-such-tag' })
    expect(unknown.status).toBe(404)
    expect(unknown.body.message).toContain('No channel has the tag "no-such-tag"')
  })

  test('a common user may not touch tags', async () => {
    await harness.root.call('POST', '/api/user/', { username: 'tagless', password: 'tagless-password' })
    const user = await harness.server.signIn('tagless', 'tagless-password')
    expect((await user.call('POST', '/api/channel/tag/disabled', { tag: 'eu' })).status).toBe(403)
  })
})

describe('copy', () => {
  test('a copy has the same settings and key, a new name, no usage and no balance', async () => {
    const id = await harness.addChannel({ name: 'original', key: 'sk-copied', models: 'gpt-4o', model_mapping: '{"a":"gpt-4o"}', priority: 4 })
    await harness.root.call('GET', `/api/channel/update_balance/${id}`)
    expect((await channel(id)).balance).toBeGreaterThan(0)
    const copied = await harness.root.call('POST', `/api/channel/copy/${id}?suffix=-b`)
    expect(copied.body.success).toBe(true)
    const copy = await channel(copied.body.data.id)
    expect(copy).toMatchObject({ name: 'original-b', models: 'gpt-4o', model_mapping: '{"a":"gpt-4o"}', priority: 4, balance: 0, used_quota: 0 })
    await verifySession(harness.root)
    expect((await harness.root.call('POST', `/api/channel/${copy.id}/key`)).body.data.key).toBe('sk-copied')
    expect((await channel((await harness.root.call('POST', `/api/channel/copy/${id}`)).body.data.id)).name).toBe('original_copy')
    expect((await harness.root.call('POST', '/api/channel/copy/999999')).status).toBe(404)
  })
})

describe('multi-key keys', () => {
  let id: number
  let token: string
  const manage = (body: Record<string, unknown>) => harness.root.call('POST', '/api/channel/multi_key/manage', { channel_id: id, ...body })
  const keysServed = async (calls: number) => {
    const seen = new Set<string>()
    harness.upstream.setOptions({ onRequest: (request) => { seen.add(keyOf(request)!); return undefined } })
    const client = new OpenAI({ apiKey: token, baseURL: `${harness.server.url}/v1`, maxRetries: 0 })
    for (let call = 0; call < calls; call++) await client.chat.completions.create({ model: 'keys-model', messages: [{ role: 'user', content: 'hi' }] })
    harness.upstream.setOptions({ onRequest: undefined })
    return [...seen].sort()
  }

  beforeAll(async () => {
    await harness.setOption('ModelRatio', { 'keys-model': 1 })
    const created = await harness.root.call('POST', '/api/channel/', { mode: 'multi_to_single', multi_key_mode: 'polling', channel: { type: 1, name: 'three', key: 'sk-key-one-1111\nsk-key-two-2222\nsk-key-three-3333', base_url: harness.upstream.url, models: 'keys-model' } })
    id = created.body.data[0].id
    token = (await harness.addToken()).key
  })

  test('lists the keys masked, with counts', async () => {
    const listed = await manage({ action: 'get_key_status' })
    expect(listed.body.data).toMatchObject({ total: 3, enabled_count: 3, manual_disabled_count: 0, auto_disabled_count: 0 })
    expect(listed.body.data.keys.map((key: { key_preview: string }) => key.key_preview)).toEqual(['sk-k**********1111', 'sk-k**********2222', 'sk-k**********3333'])
    expect(JSON.stringify(listed.body)).not.toContain('key-two')
  })

  test('a disabled key is no longer used; enabling it brings it back', async () => {
    expect((await manage({ action: 'disable_key', key_index: 1 })).body.success).toBe(true)
    const listed = (await manage({ action: 'get_key_status', status: 2 })).body.data
    expect(listed.keys).toEqual([expect.objectContaining({ index: 1, status: 2, reason: 'disabled by an administrator' })])
    expect(await keysServed(6)).toEqual(['sk-key-one-1111', 'sk-key-three-3333'])
    await manage({ action: 'enable_key', key_index: 1 })
    expect(await keysServed(6)).toEqual(['sk-key-one-1111', 'sk-key-three-3333', 'sk-key-two-2222'])
  })

  test('deleting a key keeps the others and their states at their new places', async () => {
    await manage({ action: 'disable_key', key_index: 2 })
    const deleted = await manage({ action: 'delete_key', key_index: 0 })
    expect(deleted.body.data).toMatchObject({ removed: 1, size: 2 })
    const keys = (await manage({ action: 'get_key_status' })).body.data.keys
    expect(keys.map((key: { key_preview: string; status: number }) => [key.key_preview, key.status])).toEqual([['sk-k**********2222', 1], ['sk-k**********3333', 2]])
    expect(await keysServed(4)).toEqual(['sk-key-two-2222'])
    expect((await channel(id)).channel_info.multi_key_size).toBe(2)
  })

  test('disabling every key disables the channel; enabling all brings both back', async () => {
    await manage({ action: 'disable_all_keys' })
    expect((await channel(id)).status).toBe(2)
    await manage({ action: 'enable_all_keys' })
    expect((await channel(id)).status).toBe(1)
    expect(await keysServed(4)).toEqual(['sk-key-three-3333', 'sk-key-two-2222'])
  })

  test('refusals: a bad index, the last key, a single-key channel', async () => {
    expect((await manage({ action: 'disable_key', key_index: 9 })).body.message).toContain('key_index must be from 0 to 1')
    await manage({ action: 'delete_key', key_index: 0 })
    expect((await manage({ action: 'delete_key', key_index: 0 })).body.message).toContain('at least one key')
    const single = await harness.addChannel({ name: 'single' })
    expect((await harness.root.call('POST', '/api/channel/multi_key/manage', { channel_id: single, action: 'get_key_status' })).body.message).toContain('not a multi-key channel')
  })
})

describe('balances of all channels', () => {
  test('every enabled single-key channel with a balance endpoint is asked', async () => {
    const id = await harness.addChannel({ name: 'with balance' })
    const answer = await harness.root.call('GET', '/api/channel/update_balance')
    expect(answer.body.success).toBe(true)
    expect(answer.body.data.updated).toBeGreaterThan(0)
    expect((await channel(id)).balance).toBeGreaterThan(0)
    expect((await harness.root.call('GET', '/api/channel/ops')).body.data).toEqual({ retry_times: 0 })
  })
})

describe('models without a price', () => {
  test('models enabled channels serve but no ModelRatio or ModelPrice prices are listed, wildcards left out', async () => {
    await harness.setOption('ModelRatio', { 'priced-model': 1 })
    await harness.addChannel({ name: 'mixed prices', models: 'priced-model,unpriced-model,prefix-*' })
    const unpriced = (await harness.root.call('GET', '/api/channel/models_unpriced')).body.data as string[]
    expect(unpriced).toContain('unpriced-model')
    expect(unpriced).not.toContain('priced-model')
    expect(unpriced.some((model) => model.endsWith('*'))).toBe(false)
    await harness.setOption('ModelPrice', { 'unpriced-model': 0.01 })
    expect((await harness.root.call('GET', '/api/channel/models_unpriced')).body.data).not.toContain('unpriced-model')
  })
})
