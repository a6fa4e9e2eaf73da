import { describe, expect, test } from 'bun:test'
import type { CachedChannel } from '../cache/routing.ts'
import { providerForChannelType } from '../providers/index.ts'
import { draftChannel } from './channel-client.ts'
import { createChannelRequests } from './channel-requests.ts'
import { compileParamOverride } from './param-override.ts'

const requests = createChannelRequests({ azureDefaultApiVersion: '2025-04-01-preview', geminiModelMap: {}, difyDebug: true })
const channel = (fields: Partial<CachedChannel>): CachedChannel => ({ ...draftChannel({ type: 1, key: 'k', baseUrl: 'https://example.com' }), ...fields })
const embeddingsUrl = (fields: Partial<CachedChannel>) => {
  const routed = channel(fields)
  return requests.openAiPlan(routed, 0, providerForChannelType(routed.type)!, 'text-embedding-3-small', '/v1/embeddings', false)
}

describe('non-chat endpoint URLs', () => {
  test('OpenAI-format channels get the OpenAI path without doubled segments', () => {
    expect(embeddingsUrl({ type: 43, baseUrl: 'https://api.deepseek.com/v1' }).url).toBe('https://api.deepseek.com/v1/embeddings')
  })

  test('Azure addresses the deployment with the api-version from the channel, else the configured default', () => {
    expect(embeddingsUrl({ type: 3, other: '2024-10-21' }).url).toBe('https://example.com/openai/deployments/text-embedding-3-small/embeddings?api-version=2024-10-21')
    // `other` holding JSON (a plugin setting) is not a version.
    expect(embeddingsUrl({ type: 3, other: '{"x":1}' }).url).toBe('https://example.com/openai/deployments/text-embedding-3-small/embeddings?api-version=2025-04-01-preview')
    expect(embeddingsUrl({ type: 3, other: 'v1' }).url).toBe('https://example.com/openai/v1/embeddings')
    expect(embeddingsUrl({ type: 3 }).headers).toEqual({ 'content-type': 'application/json', 'api-key': 'k' })
  })

  test('a Custom channel whose base URL is the whole endpoint is used as is', () => {
    expect(embeddingsUrl({ type: 8, baseUrl: 'https://gw.example.com/{model}/embeddings' }).url).toBe('https://gw.example.com/text-embedding-3-small/embeddings')
  })
})

describe('overrides apply to every request built for a channel', () => {
  const overridden = channel({ paramOverride: { temperature: 0.1 }, bodyOverride: compileParamOverride({ temperature: 0.1 }), headerOverride: { 'x-team': 'a', 'x-key': 'Key {api_key}', 'x-model': '{model}' } })
  const provider = providerForChannelType(1)!

  test('an OpenAI-format request gets the header overrides ({api_key} filled in) and the parameter overrides', () => {
    const built = requests.openAi(overridden, 0, provider, '/v1/embeddings', { model: 'm', input: 'hi' })
    expect(built.headers['x-team']).toBe('a')
    expect(built.headers['x-key']).toBe('Key k')
    expect(built.headers['x-model']).toBe('m')
    expect(JSON.parse(built.body!)).toEqual({ model: 'm', input: 'hi', temperature: 0.1 })
  })

  test('a native chat request and a capability request get them too', () => {
    const target = requests.target(overridden, 0, provider, 'm', false)
    const chat = requests.native(overridden, provider.chat!, { model: 'm', messages: [] }, target)
    expect(chat.headers['x-team']).toBe('a')
    expect(JSON.parse(chat.body!).temperature).toBe(0.1)
    const list = requests.capability(overridden, provider.listModels!.request(target), target.key)
    expect(list.url).toBe('https://example.com/v1/models')
    expect(list.headers).toMatchObject({ authorization: 'Bearer k', 'x-key': 'Key k' })
  })

  test('plans are memoised per channel object and dropped with it', () => {
    const first = requests.openAiPlan(overridden, 0, provider, 'm', '/v1/chat/completions', true)
    expect(requests.openAiPlan(overridden, 0, provider, 'm', '/v1/chat/completions', true)).toBe(first)
    expect(requests.openAiPlan({ ...overridden }, 0, provider, 'm', '/v1/chat/completions', true)).not.toBe(first)
    expect(Object.isFrozen(first.headers)).toBe(true)
  })
})
