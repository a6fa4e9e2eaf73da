import { describe, expect, test } from 'bun:test'
import { authHeaders, endpointUrl } from './upstream.ts'
import type { UpstreamTarget } from '../providers/types.ts'

const target = (fields: Partial<UpstreamTarget>): UpstreamTarget => ({
  baseUrl: 'https://example.com', key: 'k', model: 'text-embedding-3-small', stream: false, other: '', setting: { azureDefaultApiVersion: '2025-04-01-preview' }, channelType: 1, ...fields,
})

describe('non-chat endpoint URLs', () => {
  test('OpenAI-format channels get the OpenAI path without doubled segments', () => {
    expect(endpointUrl('embeddings', target({ baseUrl: 'https://api.deepseek.com/v1' }))).toBe('https://api.deepseek.com/v1/embeddings')
  })

  test('Azure addresses the deployment with the api-version from the channel, else the configured default', () => {
    expect(endpointUrl('embeddings', target({ channelType: 3, other: '2024-10-21' })))
      .toBe('https://example.com/openai/deployments/text-embedding-3-small/embeddings?api-version=2024-10-21')
    // `other` holding JSON (a plugin setting) is not a version.
    expect(endpointUrl('embeddings', target({ channelType: 3, other: '{"x":1}' })))
      .toBe('https://example.com/openai/deployments/text-embedding-3-small/embeddings?api-version=2025-04-01-preview')
    expect(endpointUrl('embeddings', target({ channelType: 3, other: 'v1' }))).toBe('https://example.com/openai/v1/embeddings')
    expect(authHeaders(target({ channelType: 3 }))).toEqual({ 'api-key': 'k' })
  })

  test('a Custom channel whose base URL is the whole endpoint is used as is', () => {
    expect(endpointUrl('embeddings', target({ channelType: 8, baseUrl: 'https://gw.example.com/{model}/embeddings' })))
      .toBe('https://gw.example.com/text-embedding-3-small/embeddings')
  })
})
