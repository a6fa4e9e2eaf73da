import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { channelTypeDefinition } from '../providers/channel-types.ts'
import { defaultBaseUrl, isChannelTypeSupported, providerForChannelType } from '../providers/index.ts'
import { startTestServer, type ApiClient, type TestServer } from '../testing/server.ts'

interface Entry {
  type: number
  name: string
  label: string
  default_base_url: string
  supported: boolean
  testable: boolean
  has_balance: boolean
  key_hint: { en: string; zh: string } | null
  other_label: { en: string; zh: string } | null
  other_required: boolean
  base_url_required: boolean
  default_models: string[]
  serves: string[]
}

let server: TestServer
let root: ApiClient

beforeAll(async () => {
  server = await startTestServer()
  root = await server.signIn()
})
afterAll(() => server.dispose())

describe('GET /api/channel/types', () => {
  test('answers the catalogue in the envelope to an admin, and refuses a common user', async () => {
    const response = await root.call('GET', '/api/channel/types')
    expect(response.status).toBe(200)
    expect(response.body).toMatchObject({ success: true, message: '' })
    const entries = response.body.data as Entry[]
    expect(entries.length).toBeGreaterThan(50)
    expect(entries.find((entry) => entry.type === 1)).toMatchObject({
      name: 'OpenAI', label: 'OpenAI', default_base_url: 'https://api.openai.com', supported: true, testable: true, has_balance: true,
    })
    expect(entries.find((entry) => entry.type === 3)).toMatchObject({ name: 'Azure', base_url_required: true, other_label: { en: 'API version', zh: 'API 版本' } })
    expect(entries.find((entry) => entry.type === 39)).toMatchObject({ other_required: true, supported: true })
    expect(entries.find((entry) => entry.type === 14)!.default_models).toContain('claude-sonnet-4-5')
    // What each type serves, as routing sees it: Jina has no chat, DeepSeek no embeddings.
    expect(entries.find((entry) => entry.type === 38)!.serves).toEqual(['embeddings', 'rerank'])
    expect(entries.find((entry) => entry.type === 43)!.serves).toEqual(['chat'])

    await root.call('POST', '/api/user/', { username: 'catalogue-reader', password: 'password-123' })
    const plain = await server.signIn('catalogue-reader', 'password-123')
    const refused = await plain.call('GET', '/api/channel/types')
    expect([refused.status, refused.body.success]).toEqual([403, false])
  })

  test('types without a relay adaptor are flagged unsupported and cannot be tested', async () => {
    const entries = (await root.call('GET', '/api/channel/types')).body.data as Entry[]
    expect(entries.find((entry) => entry.type === 11)).toMatchObject({ supported: false, testable: false })
    // Task families (Midjourney, Suno) are relayed but have no test request.
    for (const type of [2, 5, 36]) {
      expect(entries.find((entry) => entry.type === type), `type ${type}`).toMatchObject({ supported: true, testable: false })
    }
    // Every flag is the provider registry's answer, not a second opinion kept here.
    for (const entry of entries) {
      expect([entry.type, entry.supported, entry.default_base_url]).toEqual([entry.type, isChannelTypeSupported(entry.type), defaultBaseUrl(entry.type)])
      expect([entry.type, entry.has_balance]).toEqual([entry.type, providerForChannelType(entry.type)?.balance !== undefined])
    }
  })

  test('every type the relay supports has an entry (an adaptor for a type missing here could never be chosen)', () => {
    for (let type = 0; type <= 200; type++) {
      if (isChannelTypeSupported(type)) expect(channelTypeDefinition(type), `type ${type}`).toBeDefined()
    }
  })

  test('the route is documented under Channels', async () => {
    const documentation = await fetch(`${server.url}/swagger/json`).then((response) => response.json()) as { paths: Record<string, { get?: { tags?: string[]; summary?: string } }> }
    expect(documentation.paths['/api/channel/types']?.get?.tags).toEqual(['Channels'])
    expect(documentation.paths['/api/channel/types']?.get?.summary).toBeTruthy()
  })

  test('GET /api/models still prefills from the same table', async () => {
    const models = (await root.call('GET', '/api/models')).body.data as Record<string, string[]>
    expect(models['43']).toEqual(['deepseek-chat', 'deepseek-reasoner'])
    expect(Object.keys(models).map(Number).every((type) => channelTypeDefinition(type)?.defaultModels !== undefined)).toBe(true)
  })
})

describe('channels of types the gateway does not relay', () => {
  test('cannot be created or switched to, and an imported one stays editable', async () => {
    const created = await root.call('POST', '/api/channel/', { mode: 'single', channel: { type: 11, name: 'palm', key: 'k', models: 'palm-2', group: 'default' } })
    expect(created.status).toBe(400)
    expect(created.body.message).toContain('type 11 (PaLM) is not relayed')
    const openai = await root.call('POST', '/api/channel/', { mode: 'single', channel: { type: 1, name: 'openai', key: 'k', models: 'gpt-4o', group: 'default' } })
    const id = openai.body.data[0].id as number
    const switched = await root.call('PUT', '/api/channel/', { id, type: 11 })
    expect(switched.status).toBe(400)
    // A channel imported from new-api with an unrelayed type keeps its type through an edit of other fields.
    await server.store.channels.update(id, { type: 11 })
    const renamed = await root.call('PUT', '/api/channel/', { id, type: 11, name: 'imported palm' })
    expect(renamed.body.success).toBe(true)
    expect(renamed.body.data.name).toBe('imported palm')
    // …but it cannot be enabled: every request would fail.
    const enabled = await root.call('PUT', '/api/channel/', { id, status: 1 })
    expect(enabled.status).toBe(400)
    expect(enabled.body.message).toContain('type 11 (PaLM) is not relayed')
  })
})

describe('fields a channel type cannot work without', () => {
  test('a Coze channel needs its bot id and a Cloudflare channel its account id, when created and ever after', async () => {
    const coze = await root.call('POST', '/api/channel/', { mode: 'single', channel: { type: 49, name: 'coze', key: 'pat_x', models: 'bot', group: 'default' } })
    expect(coze.status).toBe(400)
    expect(coze.body.message).toBe('other (Bot ID) is required for Coze channels')
    const cloudflare = await root.call('POST', '/api/channel/', { mode: 'single', channel: { type: 39, name: 'cf', key: 'token', models: '@cf/meta/llama-3.1-8b-instruct', group: 'default', other: ' ' } })
    expect(cloudflare.body.message).toBe('other (Account ID) is required for Cloudflare Workers AI channels')
    const saved = await root.call('POST', '/api/channel/', { mode: 'single', channel: { type: 49, name: 'coze', key: 'pat_x', models: 'bot', group: 'default', other: '7351' } })
    const id = saved.body.data[0].id as number
    expect((await root.call('PUT', '/api/channel/', { id, name: 'coze bot' })).body.success).toBe(true)
    const cleared = await root.call('PUT', '/api/channel/', { id, other: '' })
    expect(cleared.body.message).toBe('other (Bot ID) is required for Coze channels')
  })
})
