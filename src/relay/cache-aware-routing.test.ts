import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import Anthropic from '@anthropic-ai/sdk'
import { startRelayHarness, type RelayHarness } from '../testing/relay.ts'

/**
 * Cache-aware routing through the real server: four channels (one of them with three keys) serve the model; the
 * mock upstream keeps a prompt cache per key and reports its hits as OpenAI does.
 */
let harness: RelayHarness
let token: string
/** The upstream key each request of a conversation reached, by the conversation's first question. */
const keysByConversation = new Map<string, string[]>()

const systemPrompt = `You are the support assistant of a large shop. ${'Follow the policies below to the letter. '.repeat(120)}`
const question = (conversation: string, turn: number) => `${conversation}: question ${turn}`

function record(request: { headers: Record<string, string>; body: unknown }) {
  const body = request.body as { messages?: { role: string; content: unknown }[]; system?: unknown }
  const first = body.messages?.find((message) => message.role === 'user')
  const text = typeof first?.content === 'string' ? first.content : JSON.stringify(first?.content)
  const conversation = /^(\S+):/.exec(text)?.[1] ?? text
  keysByConversation.set(conversation, [...keysByConversation.get(conversation) ?? [], request.headers.authorization ?? request.headers['x-api-key'] ?? ''])
  return undefined
}

/** Plays a conversation of `turns` turns with the OpenAI SDK; returns the cached share of its prompt tokens. */
async function converse(conversation: string, turns: number, system = systemPrompt): Promise<number> {
  const messages: { role: 'system' | 'user' | 'assistant'; content: string }[] = [{ role: 'system', content: system }]
  let prompt = 0
  let cached = 0
  for (let turn = 0; turn < turns; turn++) {
    messages.push({ role: 'user', content: question(conversation, turn) })
    const answer = await harness.client(token).chat.completions.create({ model: 'gpt-4o-mini', messages })
    messages.push({ role: 'assistant', content: answer.choices[0]!.message.content ?? '' })
    prompt += answer.usage!.prompt_tokens
    cached += answer.usage!.prompt_tokens_details?.cached_tokens ?? 0
  }
  return cached / prompt
}

const distinctKeys = (conversation: string) => new Set(keysByConversation.get(conversation)).size

beforeAll(async () => {
  harness = await startRelayHarness({ upstream: { promptCache: true, onRequest: record } })
  for (const name of ['a', 'b', 'c']) await harness.addChannel({ name, key: `sk-${name}` })
  await harness.addChannel({ name: 'multi', key: 'sk-m1\nsk-m2\nsk-m3' }, 'multi_to_single')
  token = (await harness.addToken()).key
})
afterAll(() => harness.dispose())

describe('cache-aware routing', () => {
  test('every turn of a conversation reaches one key, so the upstream cache holds its history', async () => {
    // Each conversation has a system prompt of its own, so no key has any of it cached before its first turn.
    const shares = await Promise.all(Array.from({ length: 12 }, (_, index) => converse(`on-${index}`, 5, `${systemPrompt} (on ${index})`)))
    for (let index = 0; index < 12; index++) expect(distinctKeys(`on-${index}`)).toBe(1)
    // Conversations still spread over the channels and keys.
    expect(new Set([...keysByConversation.entries()].filter(([name]) => name.startsWith('on-')).map(([, keys]) => keys[0])).size).toBeGreaterThan(2)
    // Turns 2-5 repeat the whole earlier prompt: all but the first turn is a cache hit.
    for (const share of shares) expect(share).toBeGreaterThan(0.7)
  })

  test('off (CacheAwareRoutingEnabled false), or below CacheAwareRoutingMinChars, turns spread as before', async () => {
    await harness.setOption('CacheAwareRoutingEnabled', 'false')
    const offShares = await Promise.all(Array.from({ length: 12 }, (_, index) => converse(`off-${index}`, 5, `${systemPrompt} (off ${index})`)))
    expect(Array.from({ length: 12 }, (_, index) => distinctKeys(`off-${index}`)).some((count) => count > 1)).toBe(true)
    // With six keys a turn finds its history cached only when it lands where an earlier turn did.
    expect(offShares.reduce((sum, share) => sum + share, 0) / 12).toBeLessThan(0.6)
    await harness.setOption('CacheAwareRoutingEnabled', 'true')
    await harness.setOption('CacheAwareRoutingMinChars', '100000')
    await Promise.all(Array.from({ length: 12 }, (_, index) => converse(`short-${index}`, 5)))
    expect(Array.from({ length: 12 }, (_, index) => distinctKeys(`short-${index}`)).some((count) => count > 1)).toBe(true)
    await harness.setOption('CacheAwareRoutingMinChars', '4096')
    const refused = await harness.root.call('PUT', '/api/option/', { key: 'CacheAwareRoutingMinChars', value: '-1' })
    expect(refused.body.success).toBe(false)
    expect(refused.body.message).toContain('CacheAwareRoutingMinChars')
  })

  test('Anthropic clients stick too (their system field leads the conversation)', async () => {
    const claude = new Anthropic({ apiKey: token, baseURL: harness.server.url, maxRetries: 0 })
    const messages: Anthropic.MessageParam[] = []
    for (let turn = 0; turn < 4; turn++) {
      messages.push({ role: 'user', content: question('claude', turn) })
      const answer = await claude.messages.create({ model: 'gpt-4o-mini', max_tokens: 64, system: systemPrompt, messages })
      messages.push({ role: 'assistant', content: answer.content.map((block) => (block.type === 'text' ? block.text : '')).join('') })
    }
    expect(keysByConversation.get('claude')).toHaveLength(4)
    expect(distinctKeys('claude')).toBe(1)
  })

  test('a failing channel hands its conversations to one other channel, and they come back when it recovers', async () => {
    await converse('failover', 1)
    const home = keysByConversation.get('failover')![0]!
    harness.upstream.setOptions({
      onRequest: (request) => (request.headers.authorization === home ? Response.json({ error: { message: 'overloaded', type: 'server_error', code: null } }, { status: 500 }) : record(request)),
    })
    await harness.setOption('RetryTimes', '1')
    const messages = [{ role: 'system' as const, content: systemPrompt }, { role: 'user' as const, content: question('failover', 0) }]
    for (let turn = 0; turn < 3; turn++) await harness.client(token).chat.completions.create({ model: 'gpt-4o-mini', messages })
    const during = keysByConversation.get('failover')!.slice(1)
    expect(new Set(during).size).toBe(1)
    expect(during[0]).not.toBe(home)
    harness.upstream.setOptions({ onRequest: record })
    await harness.setOption('RetryTimes', '0')
    // The failures above may have cooled or disabled the home key; re-enable every channel as an operator would.
    const channels = (await harness.root.call('GET', '/api/channel/?page_size=100')).body.data.items as { id: number }[]
    for (const { id } of channels) await harness.root.call('PUT', '/api/channel/', { id, status: 1 })
    await Bun.sleep(50)
    await harness.client(token).chat.completions.create({ model: 'gpt-4o-mini', messages })
    expect(keysByConversation.get('failover')!.at(-1)).toBe(home)
  })
})
