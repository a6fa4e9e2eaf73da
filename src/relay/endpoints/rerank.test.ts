import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { CohereClient } from 'cohere-ai'
import { readFixtureText } from '../../providers/replay-fixture.ts'
import { startRelayHarness, type RelayHarness } from '../../testing/relay.ts'

/**
 * Rerank end to end: the Cohere SDK and Dify's Jina request through the gateway to a local upstream that answers
 * as Cohere's /v2/rerank and Jina's /v1/rerank do (recorded bodies: cohere-reranking.1.json, and Together's
 * Jina-compatible togetherai-reranking.1.json).
 */

interface Seen { path: string; authorization: string | null; body: Record<string, unknown> }
let harness: RelayHarness
let upstream: ReturnType<typeof Bun.serve>
let key: string
const seen: Seen[] = []

beforeAll(async () => {
  upstream = Bun.serve({
    port: 0,
    async fetch(request) {
      const path = new URL(request.url).pathname
      const body = request.method === 'POST' ? await request.json() as Record<string, unknown> : {}
      seen.push({ path, authorization: request.headers.get('authorization'), body })
      if (path === '/v2/rerank') return new Response(readFixtureText('cohere/cohere-reranking.1.json'), { headers: { 'content-type': 'application/json' } })
      if (path === '/v1/rerank') return new Response(readFixtureText('openai-compatible/togetherai-reranking.1.json'), { headers: { 'content-type': 'application/json' } })
      if (path === '/rerank') return new Response(readFixtureText('bedrock/amazon-bedrock-reranking.1.json'), { headers: { 'content-type': 'application/json' } })
      if (path === '/v1/embeddings') return Response.json({ object: 'list', data: [{ object: 'embedding', index: 0, embedding: [0.1, 0.2] }], model: body.model, usage: { prompt_tokens: 3, total_tokens: 3 } })
      return Response.json({ detail: `no route ${path}` }, { status: 404 })
    },
  })
  harness = await startRelayHarness()
  key = (await harness.addToken()).key
  await harness.addChannel({ type: 34, name: 'cohere', key: 'co-key', base_url: `http://127.0.0.1:${upstream.port}`, models: 'rerank-v3.5' })
  await harness.addChannel({ type: 33, name: 'bedrock', key: 'AKIDEXAMPLE|secret-key|us-west-2', base_url: `http://127.0.0.1:${upstream.port}`, models: 'cohere.rerank-v3-5:0' })
  await harness.addChannel({ type: 38, name: 'jina', key: 'jina-key', base_url: `http://127.0.0.1:${upstream.port}`, models: 'jina-reranker-v2-base-multilingual,jina-embeddings-v3' })
  // Cohere bills per search unit: priced per call. Jina reports tokens: priced by ratio.
  await harness.setOption('ModelPrice', { 'rerank-v3.5': 0.002 })
  await harness.setOption('ModelRatio', { 'jina-reranker-v2-base-multilingual': 1, 'jina-embeddings-v3': 1, 'cohere.rerank-v3-5:0': 1 })
})
afterAll(async () => {
  await harness.dispose()
  upstream.stop(true)
})

async function lastConsumeRow(model: string) {
  await harness.server.flushUsage()
  return (await harness.root.call('GET', `/api/log/?type=2&model_name=${model}&page_size=1`)).body.data.items[0]
}

describe('rerank', () => {
  test('the Cohere SDK reranks through a Cohere channel; documents come back when asked; billed per search unit', async () => {
    seen.length = 0
    const cohere = new CohereClient({ token: key, baseUrl: harness.server.url })
    const documents = ['Carson City is the capital city of Nevada.', 'Washington, D.C. is the capital of the United States.']
    const result = await cohere.rerank({ model: 'rerank-v3.5', query: 'What is the capital of the United States?', documents, topN: 2, returnDocuments: true })
    expect(result.results.map((entry) => [entry.index, entry.relevanceScore])).toEqual([[1, 0.10183054], [0, 0.03762639]])
    expect(result.results[0]!.document?.text).toBe(documents[1])
    expect(seen).toHaveLength(1)
    expect(seen[0]).toMatchObject({ path: '/v2/rerank', authorization: 'Bearer co-key', body: { model: 'rerank-v3.5', documents, top_n: 2 } })
    const row = await lastConsumeRow('rerank-v3.5')
    // 0.002 USD per search unit x 500 000 quota per USD x 1 unit.
    expect(row.quota).toBe(1000)
    expect(JSON.parse(row.other).billed_for).toEqual({ search_units: 1, documents: 2 })
  })

  test('Dify\'s Jina request (top_n null, return_documents false, strings) reaches a Jina channel; billed by the tokens it reports', async () => {
    seen.length = 0
    const response = await fetch(`${harness.server.url}/v1/rerank`, {
      method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'jina-reranker-v2-base-multilingual', query: 'capital?', documents: ['a', 'b', 'c', 'd', 'e', 'f'], top_n: null, return_documents: false }),
    })
    expect(response.status).toBe(200)
    const body = await response.json() as { results: { index: number; relevance_score: number }[]; usage: { total_tokens: number } }
    expect(body.results.map((entry) => entry.index)).toEqual([0, 5])
    expect(body.results[0]!.relevance_score).toBeCloseTo(0.6475887154399037, 12)
    expect(body.usage.total_tokens).toBe(2966)
    expect(seen[0]).toMatchObject({ path: '/v1/rerank', authorization: 'Bearer jina-key' })
    expect(seen[0]!.body).not.toHaveProperty('top_n')
    expect((await lastConsumeRow('jina-reranker-v2-base-multilingual')).quota).toBe(2966)
  })

  test('Bedrock\'s Rerank API: inline sources, the model ARN, a signed request; results mapped; tokens counted', async () => {
    seen.length = 0
    const response = await fetch(`${harness.server.url}/v1/rerank`, {
      method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'cohere.rerank-v3-5:0', query: 'capital?', documents: ['a', { title: 'b' }], top_n: 2, return_documents: true }),
    })
    expect(response.status).toBe(200)
    const body = await response.json() as { results: { index: number; relevance_score: number; document?: unknown }[] }
    expect(body.results.map((entry) => [entry.index, entry.relevance_score])).toEqual([[0, 0.5110583305358887], [5, 0.30241215229034424]])
    expect(body.results[0]!.document).toEqual({ text: 'a' })
    expect(seen[0]).toMatchObject({ path: '/rerank', body: {
      queries: [{ type: 'TEXT', textQuery: { text: 'capital?' } }],
      sources: [
        { type: 'INLINE', inlineDocumentSource: { type: 'TEXT', textDocument: { text: 'a' } } },
        { type: 'INLINE', inlineDocumentSource: { type: 'JSON', jsonDocument: { title: 'b' } } },
      ],
      rerankingConfiguration: { type: 'BEDROCK_RERANKING_MODEL', bedrockRerankingConfiguration: { modelConfiguration: { modelArn: 'arn:aws:bedrock:us-west-2::foundation-model/cohere.rerank-v3-5:0' }, numberOfResults: 2 } },
    } })
    expect(seen[0]!.authorization).toStartWith('AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/')
    const row = await lastConsumeRow('cohere.rerank-v3-5:0')
    expect(row.prompt_tokens).toBeGreaterThan(0)
    expect(row.quota).toBe(row.prompt_tokens)
  })

  test('bad input is refused before anything is sent, naming the field', async () => {
    seen.length = 0
    for (const [body, field] of [
      [{ model: 'rerank-v3.5', query: 'q' }, '"documents"'],
      [{ model: 'rerank-v3.5', documents: ['a'] }, '"query"'],
      [{ model: 'rerank-v3.5', query: 'q', documents: ['a'], top_n: 0 }, '"top_n"'],
      [{ model: 'rerank-v3.5', query: 'q', documents: [1, 2] }, '"documents"'],
    ] as const) {
      const response = await fetch(`${harness.server.url}/v1/rerank`, { method: 'POST', headers: { authorization: `Bearer ${key}` }, body: JSON.stringify(body) })
      expect(response.status).toBe(400)
      expect(((await response.json()) as { error: { message: string } }).error.message).toContain(field)
    }
    expect(seen).toHaveLength(0)
  })
})

describe('a provider without chat (Jina)', () => {
  test('embeddings work through the openai SDK, chat is refused as not served, and the channel test uses rerank', async () => {
    const embedding = await harness.client(key).embeddings.create({ model: 'jina-embeddings-v3', input: 'hi' })
    expect(embedding.data[0]!.embedding).toEqual([0.1, 0.2])
    const chat = await fetch(`${harness.server.url}/v1/chat/completions`, {
      method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'jina-reranker-v2-base-multilingual', messages: [{ role: 'user', content: 'hi' }] }),
    })
    expect(chat.status).toBe(503)
    expect(((await chat.json()) as { error: { message: string } }).error.message).toContain('that serves /v1/chat/completions')
    seen.length = 0
    const channels = (await harness.root.call('GET', '/api/channel/?page_size=100')).body.data.items as { id: number; type: number }[]
    const jina = channels.find((channel) => channel.type === 38)!
    const tested = await harness.root.call('GET', `/api/channel/test/${jina.id}`)
    expect(tested.body.success).toBe(true)
    expect(seen.map((request) => request.path)).toEqual(['/v1/rerank'])
  })
})
