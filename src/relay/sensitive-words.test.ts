import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { startRelayHarness, type RelayHarness } from '../testing/relay.ts'

describe('the sensitive-word filter in the relay', () => {
  let harness: RelayHarness
  let key: string
  const chat = (content: string, path = '/v1/chat/completions') => fetch(`${harness.server.url}${path}`, {
    method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'gpt-4o-mini', max_tokens: 16, messages: [{ role: 'user', content }] }),
  })

  beforeAll(async () => {
    harness = await startRelayHarness()
    await harness.addChannel()
    key = (await harness.addToken()).key
    await harness.setOption('SensitiveWords', 'forbidden topic\n禁词')
  })
  afterAll(() => harness.dispose())

  test('off by default; once on, a prompt with a listed word is refused before anything is reserved, in the caller\'s shape', async () => {
    expect((await chat('tell me about the Forbidden Topic')).status).toBe(200)
    await harness.setOption('CheckSensitiveEnabled', 'true')
    const before = harness.upstream.requests

    const refused = await chat('tell me about the Forbidden Topic')
    expect(refused.status).toBe(400)
    expect((await refused.json()).error).toMatchObject({ code: 'sensitive_words_detected', message: expect.stringContaining('forbidden topic') })
    const anthropic = await fetch(`${harness.server.url}/v1/messages`, {
      method: 'POST', headers: { 'x-api-key': key, 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({ model: 'gpt-4o-mini', max_tokens: 16, messages: [{ role: 'user', content: [{ type: 'text', text: '这里有禁词' }] }] }),
    })
    expect(anthropic.status).toBe(400)
    expect((await anthropic.json()).type).toBe('error')
    expect(harness.upstream.requests).toBe(before)

    // The model's name is not prompt text.
    await harness.setOption('SensitiveWords', 'gpt')
    expect((await chat('hello')).status).toBe(200)
    await harness.setOption('CheckSensitiveOnPromptEnabled', 'false')
    await harness.setOption('SensitiveWords', 'hello')
    expect((await chat('hello')).status).toBe(200)
  })

  test('a bad flag is refused when saved', async () => {
    const response = await harness.root.call('PUT', '/api/option/', { key: 'CheckSensitiveEnabled', value: 'yes please' })
    expect(response.body.success).toBe(false)
    expect(response.body.message).toContain('CheckSensitiveEnabled')
  })
})
