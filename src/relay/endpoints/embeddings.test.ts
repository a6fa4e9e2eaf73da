import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { GoogleGenAI } from '@google/genai'
import { readFixtureJson } from '../../providers/replay-fixture.ts'
import { startRelayHarness, type RelayHarness } from '../../testing/relay.ts'

/**
 * Embeddings on every provider that has them, through the official clients: OpenAI's SDK to Cohere (the recorded
 * /v2/embed body) and Gemini channels, and @google/genai's embedContent and countTokens to Gemini and OpenAI
 * channels. Gemini's batchEmbedContents and countTokens answers are built from Google's API reference (no public
 * recording exists): `{embeddings: [{values}]}` and `{totalTokens}`.
 */

interface Seen { path: string; headers: Headers; body: Record<string, unknown> }
let harness: RelayHarness
let upstream: ReturnType<typeof Bun.serve>
let key: string
const seen: Seen[] = []

beforeAll(async () => {
  upstream = Bun.serve({
    port: 0,
    async fetch(request) {
      const path = new URL(request.url).pathname
      const body = await request.json() as Record<string, unknown>
      seen.push({ path, headers: request.headers, body })
      if (path === '/v2/embed') return Response.json(readFixtureJson('cohere/cohere-embedding.json'))
      if (path.endsWith(':batchEmbedContents')) {
        return Response.json({ embeddings: (body.requests as unknown[]).map((_, index) => ({ values: [index, 0.5, -0.5] })) })
      }
      if (path.endsWith(':countTokens')) return Response.json({ totalTokens: 77 })
      // Bedrock InvokeModel bodies, from the Titan and Cohere embed model references.
      if (path.startsWith('/model/') && path.includes('titan')) return Response.json({ embedding: [0.25, -0.25], inputTextTokenCount: 4 })
      if (path.startsWith('/model/') && path.includes('cohere')) {
        return Response.json({ id: 'e1', response_type: 'embeddings_floats', texts: body.texts, embeddings: (body.texts as string[]).map((_, index) => [index]) })
      }
      // OpenAI-shaped embeddings under a vendor's own prefix (DashScope's compatible mode).
      if (path === '/compatible-mode/v1/embeddings') return Response.json({ object: 'list', data: [{ object: 'embedding', index: 0, embedding: [0.1, 0.2] }], model: body.model, usage: { prompt_tokens: 3, total_tokens: 3 } })
      return Response.json({ error: { code: 404, message: `no route ${path}`, status: 'NOT_FOUND' } }, { status: 404 })
    },
  })
  harness = await startRelayHarness()
  key = (await harness.addToken()).key
  const base = `http://127.0.0.1:${upstream.port}`
  await harness.addChannel({ type: 34, name: 'cohere', key: 'co-key', base_url: base, models: 'embed-v4.0' })
  await harness.addChannel({ type: 24, name: 'gemini', key: 'g-key', base_url: base, models: 'gemini-embedding-001,gemini-2.5-flash' })
  await harness.addChannel({ name: 'openai', models: 'text-embedding-3-small,gpt-4o' })
  await harness.addChannel({ type: 17, name: 'dashscope', key: 'ds-key', base_url: base, models: 'text-embedding-v3' })
  await harness.addChannel({ type: 43, name: 'deepseek', key: 'dk', base_url: base, models: 'deepseek-chat' })
  await harness.addChannel({ type: 33, name: 'bedrock', key: 'AKIDEXAMPLE|secret-key|us-east-1', base_url: base, models: 'amazon.titan-embed-text-v2:0,cohere.embed-english-v3' })
  await harness.setOption('ModelRatio', { 'embed-v4.0': 1, 'gemini-embedding-001': 1, 'text-embedding-3-small': 1, 'amazon.titan-embed-text-v2:0': 1, 'cohere.embed-english-v3': 1, 'text-embedding-v3': 1, 'deepseek-chat': 1 })
})
afterAll(async () => {
  await harness.dispose()
  upstream.stop(true)
})

async function lastRow(model: string) {
  await harness.server.flushUsage()
  return (await harness.root.call('GET', `/api/log/?type=2&model_name=${model}&page_size=1`)).body.data.items[0]
}
const gemini = () => new GoogleGenAI({ apiKey: key, httpOptions: { baseUrl: harness.server.url } })

describe('OpenAI embeddings to providers with their own API', () => {
  test('Cohere: texts and input_type sent to /v2/embed; vectors in order; billed by its billed_units', async () => {
    seen.length = 0
    const result = await harness.client(key).embeddings.create({ model: 'embed-v4.0', input: ['sunny day at the beach', 'rainy day in the city'] })
    // The SDK asks for base64 (float32), so the recorded doubles come back rounded to single precision.
    expect(result.data[0]!.embedding[0]).toBeCloseTo(0.03302002, 7)
    expect(result.data[1]!.embedding[0]).toBeCloseTo(-0.04660034, 7)
    expect(result.usage.prompt_tokens).toBe(10)
    expect(seen[0]).toMatchObject({ path: '/v2/embed', body: { model: 'embed-v4.0', texts: ['sunny day at the beach', 'rainy day in the city'], input_type: 'search_document', embedding_types: ['float'] } })
    expect(seen[0]!.headers.get('authorization')).toBe('Bearer co-key')
    expect((await lastRow('embed-v4.0')).quota).toBe(10)
  })

  test('Gemini: one request per input to batchEmbedContents; unreported usage is counted; base64 as OpenAI encodes it', async () => {
    seen.length = 0
    const result = await harness.client(key).embeddings.create({ model: 'gemini-embedding-001', input: ['one', 'two'], dimensions: 3 })
    expect(result.data.map((entry) => entry.embedding)).toEqual([[0, 0.5, -0.5], [1, 0.5, -0.5]])
    expect(seen[0]!.path).toBe('/v1beta/models/gemini-embedding-001:batchEmbedContents')
    expect(seen[0]!.body).toEqual({ requests: [
      { model: 'models/gemini-embedding-001', content: { parts: [{ text: 'one' }] }, outputDimensionality: 3 },
      { model: 'models/gemini-embedding-001', content: { parts: [{ text: 'two' }] }, outputDimensionality: 3 },
    ] })
    expect(seen[0]!.headers.get('x-goog-api-key')).toBe('g-key')
    const row = await lastRow('gemini-embedding-001')
    expect(row.prompt_tokens).toBeGreaterThan(0)
    expect(result.usage.prompt_tokens).toBe(row.prompt_tokens)
    // The SDK asks for base64 by default and decodes it: a raw call shows the little-endian float32 bytes.
    const raw = await fetch(`${harness.server.url}/v1/embeddings`, {
      method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gemini-embedding-001', input: 'one', encoding_format: 'base64' }),
    })
    const encoded = ((await raw.json()) as { data: { embedding: string }[] }).data[0]!.embedding
    expect([...new Float32Array(Buffer.from(encoded, 'base64').buffer.slice(0))]).toEqual([0, 0.5, -0.5])
  })

  test('Bedrock: Titan (one text, its token count billed) and Cohere embed (a batch) through signed InvokeModel calls', async () => {
    seen.length = 0
    const titan = await harness.client(key).embeddings.create({ model: 'amazon.titan-embed-text-v2:0', input: 'hello', dimensions: 256, encoding_format: 'float' })
    expect(titan.data[0]!.embedding).toEqual([0.25, -0.25])
    expect(titan.usage.prompt_tokens).toBe(4)
    expect(seen[0]!.path).toBe('/model/amazon.titan-embed-text-v2%3A0/invoke')
    expect(seen[0]!.body).toEqual({ inputText: 'hello', dimensions: 256 })
    expect(seen[0]!.headers.get('authorization')).toStartWith('AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/')
    expect(seen[0]!.headers.get('x-amz-date')).toMatch(/^\d{8}T\d{6}Z$/)
    const cohere = await harness.client(key).embeddings.create({ model: 'cohere.embed-english-v3', input: ['a', 'b'], encoding_format: 'float' })
    expect(cohere.data.map((entry) => entry.embedding)).toEqual([[0], [1]])
    expect(seen[1]!.body).toEqual({ texts: ['a', 'b'], input_type: 'search_document', embedding_types: ['float'] })
    const batch = await fetch(`${harness.server.url}/v1/embeddings`, {
      method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify({ model: 'amazon.titan-embed-text-v2:0', input: ['a', 'b'] }),
    })
    expect(batch.status).toBe(400)
    expect(((await batch.json()) as { error: { message: string } }).error.message).toContain('one text per request')
  })

  test('a vendor serves the OpenAI endpoints its API has, where it has them: DashScope under /compatible-mode; DeepSeek none', async () => {
    const embedded = await harness.client(key).embeddings.create({ model: 'text-embedding-v3', input: 'hello' })
    expect(embedded.data[0]!.embedding).toEqual([0.1, 0.2])
    expect(seen.at(-1)).toMatchObject({ path: '/compatible-mode/v1/embeddings', body: { model: 'text-embedding-v3', input: 'hello' } })
    expect(seen.at(-1)!.headers.get('authorization')).toBe('Bearer ds-key')
    const refused = await harness.client(key).embeddings.create({ model: 'deepseek-chat', input: 'hello' }).then(() => 'answered', (error: { status: number; message: string }) => error)
    expect(refused).toMatchObject({ status: 503 })
    expect((refused as { message: string }).message).toContain('that serves /v1/embeddings')
  })

  test('token-id input cannot go to a text-only provider: 400 naming the channel', async () => {
    const response = await fetch(`${harness.server.url}/v1/embeddings`, {
      method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify({ model: 'embed-v4.0', input: [[1, 2, 3]] }),
    })
    expect(response.status).toBe(400)
    expect(((await response.json()) as { error: { message: string } }).error.message).toContain('token ids')
  })
})

describe('Gemini clients', () => {
  test('embedContent reaches an OpenAI channel and comes back in the Gemini shape; batch too', async () => {
    const one = await gemini().models.embedContent({ model: 'text-embedding-3-small', contents: 'hello world' })
    expect(one.embeddings).toHaveLength(1)
    expect(one.embeddings![0]!.values!.length).toBeGreaterThan(0)
    const many = await gemini().models.embedContent({ model: 'gemini-embedding-001', contents: ['a', 'b', 'c'] })
    expect(many.embeddings!.map((embedding) => embedding.values![0])).toEqual([0, 1, 2])
  })

  test('countTokens is asked of a Gemini channel, counted locally for others, and never billed', async () => {
    seen.length = 0
    const native = await gemini().models.countTokens({ model: 'gemini-2.5-flash', contents: 'How many tokens is this?' })
    expect(native.totalTokens).toBe(77)
    expect(seen.map((request) => request.path)).toEqual(['/v1beta/models/gemini-2.5-flash:countTokens'])
    expect(seen[0]!.body).toMatchObject({ contents: [{ parts: [{ text: 'How many tokens is this?' }], role: 'user' }] })
    const local = await gemini().models.countTokens({ model: 'gpt-4o', contents: 'How many tokens is this?' })
    expect(local.totalTokens).toBeGreaterThan(3)
    expect(local.totalTokens).toBeLessThan(40)
    await harness.server.flushUsage()
    const rows = (await harness.root.call('GET', '/api/log/?model_name=gemini-2.5-flash')).body.data.total
    expect(rows).toBe(0)
  })
})
