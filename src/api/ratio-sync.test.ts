import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { readFileSync } from 'node:fs'
import { startTestServer, type ApiClient, type TestServer } from '../testing/server.ts'

const newApiPricing = readFileSync(new URL('../testing/fixtures/ratio-sync/new-api-pricing.json', import.meta.url), 'utf8')

let gateway: TestServer
let root: ApiClient
/** A second Tollgate exposing its ratios, priced differently. */
let peer: TestServer
/** A new-api gateway's public price list, and a few misbehaving answers. */
let newApi: ReturnType<typeof Bun.serve>
let newApiChannelId: number

/** The local prices every comparison below is against. */
const localPrices = {
  ModelRatio: JSON.stringify({ 'gpt-4o': 1.25, 'gpt-4o-mini': 0.075, 'claude-sonnet-4-5': 1.5, o3: 1 }),
  CompletionRatio: JSON.stringify({ 'gpt-4o': 4, 'gpt-4o-mini': 4, 'claude-sonnet-4-5': 5, o3: 4 }),
  CacheRatio: JSON.stringify({ 'claude-sonnet-4-5': 0.1 }),
  CreateCacheRatio: JSON.stringify({ 'claude-sonnet-4-5': 1.25 }),
  ModelPrice: JSON.stringify({ 'dall-e-3': 0.04 }),
  ImageRatio: '{}', AudioRatio: '{}', AudioCompletionRatio: '{}',
}

async function setOptions(client: ApiClient, options: Record<string, string>) {
  for (const [key, value] of Object.entries(options)) expect((await client.call('PUT', '/api/option/', { key, value })).body.success).toBe(true)
}

const optionValue = async (key: string) => ((await root.call('GET', '/api/option/')).body.data as { key: string; value: string }[]).find((option) => option.key === key)?.value
const modelRatio = async () => JSON.parse((await optionValue('ModelRatio'))!) as Record<string, number>

beforeAll(async () => {
  newApi = Bun.serve({
    port: 0, hostname: '127.0.0.1',
    fetch(request) {
      const path = new URL(request.url).pathname
      if (path === '/api/pricing') return new Response(newApiPricing, { headers: { 'content-type': 'application/json' } })
      if (path === '/not-json') return new Response('<html>maintenance</html>', { headers: { 'content-type': 'text/html' } })
      if (path === '/redirect') return Response.redirect(`http://localhost:${peer.url.split(':').pop()}/api/ratio_config`, 302)
      return new Response('not found', { status: 404 })
    },
  })
  // Both gateways get explicit price maps: the tests must not depend on the built-in default table.
  peer = await startTestServer()
  await setOptions(await peer.signIn(), { ...localPrices, ModelRatio: JSON.stringify({ ...JSON.parse(localPrices.ModelRatio), 'gpt-4o': 2 }), ExposeRatioEnabled: 'true' })
  gateway = await startTestServer({ RATIO_SYNC_ALLOW_HOSTS: '127.0.0.1' })
  root = await gateway.signIn()
  await setOptions(root, localPrices)
  const created = await root.call('POST', '/api/channel/', { mode: 'single', channel: { type: 60, name: 'newapi', key: 'sk-upstream', models: 'gpt-4o', group: 'default', base_url: `http://127.0.0.1:${newApi.port}` } })
  expect(created.body.success).toBe(true)
  await root.call('POST', '/api/channel/', { mode: 'single', channel: { type: 1, name: 'openai', key: 'sk-openai', models: 'gpt-4o', group: 'default' } })
  newApiChannelId = (await root.call('GET', '/api/channel/?p=1&page_size=10')).body.data.items.find((channel: { name: string }) => channel.name === 'newapi').id
})

afterAll(async () => {
  await gateway?.dispose()
  await peer?.dispose()
  newApi?.stop(true)
})

describe('price sync', () => {
  test('lists the channels with a base URL as sources', async () => {
    const listed = await root.call('GET', '/api/ratio_sync/channels')
    expect(listed.body.data).toEqual([{ id: newApiChannelId, name: 'newapi', base_url: `http://127.0.0.1:${newApi.port}`, status: 1, type: 60, endpoint: '/api/pricing' }])
  })

  test('a Tollgate serves /api/ratio_config only when ExposeRatioEnabled is on', async () => {
    const closed = await fetch(`${gateway.url}/api/ratio_config`)
    expect(closed.status).toBe(403)
    expect((await closed.json()).message).toContain('ExposeRatioEnabled')
    const open = await (await fetch(`${peer.url}/api/ratio_config`)).json()
    expect(open.success).toBe(true)
    expect(open.data.model_ratio['gpt-4o']).toBe(2)
    expect(open.data.model_price['dall-e-3']).toBe(0.04)
  })

  test('compares a new-api price list and a second Tollgate with the local options; a dead source fails alone', async () => {
    const fetched = await root.call('POST', '/api/ratio_sync/fetch', {
      channel_ids: [newApiChannelId],
      upstreams: [{ name: 'peer', base_url: peer.url, endpoint: '/api/ratio_config' }, { name: 'down', base_url: 'http://127.0.0.1:1' }],
      timeout: 5,
    })
    expect(fetched.body.success).toBe(true)
    const { differences, test_results: results } = fetched.body.data
    expect(results).toMatchObject([
      { name: `newapi(${newApiChannelId})`, status: 'success', format: 'pricing', models: 5, skipped: 1, url: `http://127.0.0.1:${newApi.port}/api/pricing` },
      { name: 'peer', status: 'success', format: 'ratio_config' },
      { name: 'down', status: 'error' },
    ])
    expect(results[2].error).toBeTruthy()
    const newApiName = `newapi(${newApiChannelId})`
    expect(differences['gpt-4o'].model_ratio).toEqual({
      current: 1.25, effective: null, upstreams: { [newApiName]: 1.5, peer: 2 }, status: { [newApiName]: 'differs', peer: 'differs' },
    })
    // Not priced here at all: every field the upstream has is missing locally.
    expect(differences['qwen-max'].model_ratio).toMatchObject({ current: null, effective: null, upstreams: { [newApiName]: 0.8, peer: null }, status: { peer: 'absent' } })
    expect(differences['qwen-max'].completion_ratio.status[newApiName]).toBe('missing_locally')
    // o3 has no CacheRatio stored; the billing uses 1 for it, the upstream says 0.25.
    expect(differences.o3.cache_ratio).toMatchObject({ current: null, effective: 1, status: { [newApiName]: 'missing_locally' } })
    // Equal values, and per-call models' placeholder ratios, are no differences; expression pricing is not synced.
    expect(differences['claude-sonnet-4-5']).toBeUndefined()
    expect(differences['dall-e-3']).toBeUndefined()
    expect(differences['tiered-model']).toBeUndefined()
    expect(Object.keys(differences).sort()).toEqual(['gpt-4o', 'o3', 'qwen-max'])
  })

  test('applies the chosen values through the options (all caches see them), ModelPrice yielding to a chosen ratio', async () => {
    const applied = await root.call('POST', '/api/ratio_sync/apply', { changes: [
      { model: 'gpt-4o', field: 'model_ratio', value: 2 },
      { model: 'qwen-max', field: 'model_ratio', value: 0.8 },
      { model: 'qwen-max', field: 'completion_ratio', value: 3 },
      { model: 'dall-e-3', field: 'model_ratio', value: 10 },
    ] })
    expect(applied.body.success).toBe(true)
    expect({ ...applied.body.data, options: applied.body.data.options.sort() }).toEqual({ changed: 4, options: ['CompletionRatio', 'ModelPrice', 'ModelRatio'], switched_to_ratio: ['dall-e-3'] })
    const ratios = await modelRatio()
    expect([ratios['gpt-4o'], ratios['qwen-max'], ratios['gpt-4o-mini']]).toEqual([2, 0.8, 0.075])
    expect(JSON.parse((await optionValue('ModelPrice'))!)['dall-e-3']).toBeUndefined()
    // The running options changed too: the peer now agrees on gpt-4o.
    const again = await root.call('POST', '/api/ratio_sync/fetch', { upstreams: [{ name: 'peer', base_url: peer.url, endpoint: '/api/ratio_config' }] })
    expect(again.body.data.differences['gpt-4o']).toBeUndefined()
    expect(again.body.data.differences['dall-e-3'].model_price).toMatchObject({ current: null, status: { peer: 'missing_locally' } })
  })

  test('a bad value is a 400 naming the model and field, and nothing is written', async () => {
    const before = await optionValue('ModelRatio')
    const cases: [unknown, string][] = [
      [[{ model: 'gpt-4o', field: 'model_ratio', value: 3 }, { model: 'o3', field: 'cache_ratio', value: -0.5 }], 'model "o3", field cache_ratio: the value must be a non-negative finite number, got -0.5'],
      [[{ model: 'o3', field: 'completion_ratio', value: '4' }], 'model "o3", field completion_ratio'],
      [[{ model: 'o3', field: 'completion_ratio', value: null }], 'got null'],
      [[{ model: 'o3', field: 'group_ratio', value: 1 }], 'field "group_ratio" is not one of'],
      [[{ model: '', field: 'model_ratio', value: 1 }], 'changes[0].model'],
      [[{ model: 'o3', field: 'model_price', value: 1 }, { model: 'o3', field: 'model_ratio', value: 1 }], 'model "o3": choose either model_price'],
    ]
    for (const [changes, message] of cases) {
      const refused = await root.call('POST', '/api/ratio_sync/apply', { changes })
      expect([refused.status, refused.body.success]).toEqual([400, false])
      expect(refused.body.message).toContain(message)
    }
    expect(await optionValue('ModelRatio')).toBe(before!)
  })

  test('only root may list, fetch or apply', async () => {
    for (const [username, role] of [['price-user', 1], ['price-admin', 10]] as const) {
      expect((await root.call('POST', '/api/user/', { username, password: 'password-123', role })).body.success).toBe(true)
      const client = await gateway.signIn(username, 'password-123')
      for (const [method, path, body] of [
        ['GET', '/api/ratio_sync/channels', undefined],
        ['POST', '/api/ratio_sync/fetch', { channel_ids: [newApiChannelId] }],
        ['POST', '/api/ratio_sync/apply', { changes: [{ model: 'gpt-4o', field: 'model_ratio', value: 99 }] }],
      ] as const) {
        expect([username, path, (await client.call(method, path, body)).status]).toEqual([username, path, 403])
      }
    }
    expect((await modelRatio())['gpt-4o']).toBe(2)
  })

  test('private addresses are refused unless allow-listed or a channel\'s own host, redirects included', async () => {
    const peerPort = peer.url.split(':').pop()
    const fetched = await root.call('POST', '/api/ratio_sync/fetch', { upstreams: [
      { name: 'by-name', base_url: `http://localhost:${peerPort}`, endpoint: '/api/ratio_config' },
      { name: 'metadata', endpoint: 'http://169.254.169.254/latest/meta-data' },
      { name: 'bounce', base_url: `http://127.0.0.1:${newApi.port}`, endpoint: '/redirect' },
      { name: 'html', base_url: `http://127.0.0.1:${newApi.port}`, endpoint: '/not-json' },
      { name: 'peer', base_url: peer.url, endpoint: '/api/ratio_config' },
    ] })
    const results = fetched.body.data.test_results as { name: string; status: string; error?: string }[]
    const byName = Object.fromEntries(results.map((result) => [result.name, result]))
    expect(byName['by-name']).toMatchObject({ status: 'error' })
    expect(byName['by-name']!.error).toMatch(/loopback.*RATIO_SYNC_ALLOW_HOSTS/)
    expect(byName.metadata!.error).toContain('link-local')
    expect(byName.bounce!.error).toContain('loopback')
    expect(byName.html!.error).toContain('not JSON')
    expect(byName.peer!.status).toBe('success')
  })

  test('without an allow-list a channel\'s own host is still trusted, the same address typed in is not', async () => {
    const strict = await startTestServer()
    try {
      const strictRoot = await strict.signIn()
      const baseUrl = `http://127.0.0.1:${newApi.port}`
      await strictRoot.call('POST', '/api/channel/', { mode: 'single', channel: { type: 60, name: 'newapi', key: 'sk-upstream', models: 'gpt-4o', group: 'default', base_url: baseUrl } })
      const [channel] = (await strictRoot.call('GET', '/api/ratio_sync/channels')).body.data
      const fetched = await strictRoot.call('POST', '/api/ratio_sync/fetch', { channel_ids: [channel.id], upstreams: [{ name: 'typed', base_url: baseUrl }, { id: channel.id, name: 'newapi', base_url: baseUrl, endpoint: '/api/pricing' }] })
      expect(fetched.body.data.test_results.map((result: { status: string }) => result.status)).toEqual(['success', 'error', 'success'])
      expect(fetched.body.data.test_results[1].error).toContain('loopback')
    } finally {
      await strict.dispose()
    }
  })

  test('a source that is not an http(s) address is a 400 naming it', async () => {
    const refused = await root.call('POST', '/api/ratio_sync/fetch', { upstreams: [{ name: 'x', base_url: 'file:///etc/passwd' }] })
    expect([refused.status, refused.body.message]).toEqual([400, 'upstreams[0].base_url must be an http(s) URL'])
    const none = await root.call('POST', '/api/ratio_sync/fetch', {})
    expect(none.status).toBe(400)
  })
})
