import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import Anthropic from '@anthropic-ai/sdk'
import { GoogleGenAI } from '@google/genai'
import { exportPKCS8, generateKeyPair, jwtVerify, type CryptoKey } from 'jose'
import { frameAsSse, readFixtureChunks, readFixtureText } from '../providers/replay-fixture.ts'
import { startRelayHarness, type RelayHarness } from '../testing/relay.ts'

/**
 * Vertex AI channels (type 41) end to end: the real gateway, official SDKs as clients, a local token endpoint that
 * verifies the service account's signed JWT like Google's does, and a local Vertex that replays recorded Gemini and
 * Anthropic answers at Vertex's paths and refuses any request without a token it issued.
 */

let harness: RelayHarness
let mock: ReturnType<typeof Bun.serve>
let key: string
let publicKey: CryptoKey
let privatePem: string
let mockUrl: string
let gatewayChannel: number

/** What the token endpoint checked and issued, per service account. */
const tokenRequests: { email: string; claims: Record<string, unknown> }[] = []
const issuedTokens = new Set<string>()
/** Lifetimes (seconds) the token endpoint answers with, in order, per service account; 3600 once used up. */
const lifetimes = new Map<string, number[]>()
const vertexCalls: { path: string; search: string; authorization: string | null; body: Record<string, unknown> }[] = []

const tokenUri = () => `${mockUrl}/token`
const account = (email: string, project = 'test-project') => JSON.stringify({
  type: 'service_account', project_id: project, private_key_id: 'kid-1', private_key: privatePem, client_email: email,
  client_id: '1', token_uri: tokenUri(),
}, null, 2)

async function tokenEndpoint(request: Request): Promise<Response> {
  const form = new URLSearchParams(await request.text())
  if (form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:jwt-bearer') return Response.json({ error: 'unsupported_grant_type' }, { status: 400 })
  try {
    // The signature against the generated key pair's public half, and the claims Google requires.
    const { payload, protectedHeader } = await jwtVerify(form.get('assertion') ?? '', publicKey, { audience: tokenUri(), algorithms: ['RS256'] })
    if (protectedHeader.kid !== 'kid-1') throw new Error('kid')
    if (payload.scope !== 'https://www.googleapis.com/auth/cloud-platform') throw new Error('scope')
    if (typeof payload.iss !== 'string' || typeof payload.exp !== 'number' || typeof payload.iat !== 'number' || payload.exp - payload.iat > 3600) throw new Error('claims')
    tokenRequests.push({ email: payload.iss, claims: payload })
    const token = `ya29.${payload.iss}.${tokenRequests.length}`
    issuedTokens.add(token)
    return Response.json({ access_token: token, expires_in: lifetimes.get(payload.iss)?.shift() ?? 3600, token_type: 'Bearer' })
  } catch (error) {
    return Response.json({ error: 'invalid_grant', error_description: `Invalid JWT: ${(error as Error).message}` }, { status: 400 })
  }
}

const failures: Record<string, { status: number; file: string }> = {
  p401: { status: 401, file: 'google/vertex-401-unauthenticated.json' },
  p403: { status: 403, file: 'google/vertex-403-permission-denied.json' },
  p429: { status: 429, file: 'google/google-429-retry-info.json' },
}

function vertexEndpoint(request: Request, url: URL, body: Record<string, unknown>): Response {
  const express = /^\/v1\/publishers\/google\/models\/([^/:]+):(\w+)$/.exec(url.pathname)
  if (express) {
    if (url.searchParams.get('key') !== 'AQ.express-key') return new Response(readFixtureText('google/vertex-401-unauthenticated.json'), { status: 401 })
    return replay('google', express[2]!)
  }
  const openAi = /^\/v1\/projects\/([^/]+)\/locations\/([^/]+)\/endpoints\/openapi\/chat\/completions$/.exec(url.pathname)
  if (openAi) {
    if (!issuedTokens.has((request.headers.get('authorization') ?? '').replace(/^Bearer /, ''))) return new Response(readFixtureText('google/vertex-401-unauthenticated.json'), { status: 401 })
    if (body.stream) return new Response(sse(frameAsSse(readFixtureChunks('openai-chat/openai-text.chunks.txt'), { done: true })), { headers: { 'content-type': 'text/event-stream' } })
    return new Response(readFixtureText('openai-chat/issue-8132-long-tool-call-id.json'), { headers: { 'content-type': 'application/json' } })
  }
  const match = /^\/v1\/projects\/([^/]+)\/locations\/([^/]+)\/publishers\/(google|anthropic)\/models\/([^/:]+):(\w+)$/.exec(url.pathname)
  if (!match) return Response.json({ error: { code: 404, message: `no route ${url.pathname}`, status: 'NOT_FOUND' } }, { status: 404 })
  const authorization = request.headers.get('authorization') ?? ''
  if (!issuedTokens.has(authorization.replace(/^Bearer /, ''))) return new Response(readFixtureText('google/vertex-401-unauthenticated.json'), { status: 401 })
  const failure = failures[match[1]!]
  if (failure) return new Response(readFixtureText(failure.file), { status: failure.status, headers: { 'content-type': 'application/json' } })
  return replay(match[3] as 'google' | 'anthropic', match[5]!)
}

const sse = (bytes: Uint8Array) => new TextDecoder().decode(bytes)

function replay(publisher: 'google' | 'anthropic', action: string): Response {
  const stream = action.startsWith('stream')
  if (publisher === 'google') {
    if (!stream) return new Response(readFixtureText('google/google-text.json'), { headers: { 'content-type': 'application/json' } })
    return new Response(sse(frameAsSse(readFixtureChunks('google/google-text.chunks.txt'))), { headers: { 'content-type': 'text/event-stream' } })
  }
  if (!stream) return new Response(readFixtureText('anthropic/anthropic-text.json'), { headers: { 'content-type': 'application/json' } })
  return new Response(sse(frameAsSse(readFixtureChunks('anthropic/anthropic-text.chunks.txt'), { eventLines: true })), { headers: { 'content-type': 'text/event-stream' } })
}

const models = ['meta/llama-3.3-70b-instruct-maas', 'bad-signature', 'gemini-2.5-flash', 'claude-sonnet-4-5-20250929', 'gemini-refresh', 'gemini-express', 'claude-express', 'err-401', 'err-403', 'err-429', 'only-429']

beforeAll(async () => {
  const pair = await generateKeyPair('RS256', { extractable: true })
  publicKey = pair.publicKey
  privatePem = await exportPKCS8(pair.privateKey)
  mock = Bun.serve({
    port: 0,
    async fetch(request) {
      const url = new URL(request.url)
      if (url.pathname === '/token') return tokenEndpoint(request)
      const body = await request.json() as Record<string, unknown>
      vertexCalls.push({ path: url.pathname, search: url.search, authorization: request.headers.get('authorization'), body })
      return vertexEndpoint(request, url, body)
    },
  })
  mockUrl = `http://127.0.0.1:${mock.port}`
  harness = await startRelayHarness()
  const regions = JSON.stringify({ default: 'us-central1', 'claude-sonnet-4-5-20250929': 'us-east5' })
  gatewayChannel = await harness.addChannel({ type: 41, name: 'vertex', key: account('gateway@test-project.iam.gserviceaccount.com'), base_url: mockUrl, models: 'gemini-2.5-flash,claude-sonnet-4-5-20250929,meta/llama-3.3-70b-instruct-maas', other: regions })
  await harness.addChannel({ type: 41, name: 'vertex-refresh', key: account('refresh@test-project.iam.gserviceaccount.com'), base_url: mockUrl, models: 'gemini-refresh', model_mapping: JSON.stringify({ 'gemini-refresh': 'gemini-2.5-flash' }), other: '{"default": "us-central1", "gemini-refresh": "europe-west4"}' })
  await harness.addChannel({ type: 41, name: 'vertex-express', key: 'AQ.express-key', base_url: mockUrl, models: 'gemini-express,claude-express', model_mapping: JSON.stringify({ 'gemini-express': 'gemini-2.5-flash', 'claude-express': 'claude-sonnet-4-5' }) })
  for (const status of ['401', '403', '429']) {
    // A failing channel tried first, and a healthy one behind it.
    await harness.addChannel({ type: 41, name: `failing-${status}`, key: account(`fail${status}@p.iam.gserviceaccount.com`, `p${status}`), base_url: mockUrl, models: `err-${status}`, priority: 10, auto_ban: 0 })
    await harness.addChannel({ type: 41, name: `backup-${status}`, key: account('gateway@test-project.iam.gserviceaccount.com'), base_url: mockUrl, models: `err-${status}`, priority: 0 })
  }
  await harness.addChannel({ type: 41, name: 'only-429', key: account('fail429@p.iam.gserviceaccount.com', 'p429'), base_url: mockUrl, models: 'only-429', auto_ban: 0, model_mapping: JSON.stringify({ 'only-429': 'gemini-2.5-flash' }) })
  // A key whose private half is not the one the token endpoint knows: its JWT signature does not verify.
  const stranger = await exportPKCS8((await generateKeyPair('RS256', { extractable: true })).privateKey)
  await harness.addChannel({ type: 41, name: 'bad-signature', key: account('stranger@test-project.iam.gserviceaccount.com').replace(JSON.stringify(privatePem).slice(1, -1), JSON.stringify(stranger).slice(1, -1)), base_url: mockUrl, models: 'bad-signature', auto_ban: 0, model_mapping: JSON.stringify({ 'bad-signature': 'gemini-2.5-flash' }) })
  await harness.setOption('ModelRatio', Object.fromEntries(models.map((model) => [model, 1])))
  await harness.setOption('CompletionRatio', Object.fromEntries(models.map((model) => [model, 1])))
  await harness.setOption('RetryTimes', 2)
  key = (await harness.addToken()).key
})
afterAll(async () => {
  await harness.dispose()
  mock.stop(true)
})

const lastCall = () => vertexCalls[vertexCalls.length - 1]!
const gatewayTokens = () => tokenRequests.filter((request) => request.email === 'gateway@test-project.iam.gserviceaccount.com').length

describe('Vertex AI: Gemini models', () => {
  test('OpenAI client, non-stream: the project/region path, a bearer token from the signed JWT, the recorded answer and usage', async () => {
    const completion = await harness.client(key).chat.completions.create({ model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'How many rs in strawberry?' }] })
    expect(lastCall().path).toBe('/v1/projects/test-project/locations/us-central1/publishers/google/models/gemini-2.5-flash:generateContent')
    expect(lastCall().authorization).toStartWith('Bearer ya29.gateway@')
    expect(lastCall().body.contents).toEqual([{ role: 'user', parts: [{ text: 'How many rs in strawberry?' }] }])
    expect(completion.choices[0]!.message.content).toContain("There are **3** r's in strawberry.")
    expect(completion.usage).toMatchObject({ prompt_tokens: 9, completion_tokens: 272 })
    expect(tokenRequests[0]!.claims).toMatchObject({ iss: 'gateway@test-project.iam.gserviceaccount.com', aud: tokenUri(), scope: 'https://www.googleapis.com/auth/cloud-platform' })
  })

  test('OpenAI client, stream with usage: streamGenerateContent?alt=sse, text in order, the usage chunk last', async () => {
    const stream = await harness.client(key).chat.completions.create({ model: 'gemini-2.5-flash', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'hi' }] })
    let text = ''
    let usage: unknown
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? ''
      if (chunk.usage) usage = chunk.usage
    }
    expect(lastCall().path).toEndWith('/models/gemini-2.5-flash:streamGenerateContent')
    expect(lastCall().search).toBe('?alt=sse')
    const recorded = readFixtureChunks('google/google-text.chunks.txt').map((line) => JSON.parse(line).candidates[0].content.parts[0].text ?? '').join('')
    expect(text).toBe(recorded)
    expect(usage).toMatchObject({ prompt_tokens: 9, completion_tokens: 208 })
  })

  test('Gemini client (@google/genai) passes natively to the Vertex path', async () => {
    const genai = new GoogleGenAI({ apiKey: key, httpOptions: { baseUrl: harness.server.url } })
    const answer = await genai.models.generateContent({ model: 'gemini-2.5-flash', contents: 'How many rs in strawberry?' })
    expect(lastCall().path).toEndWith('/publishers/google/models/gemini-2.5-flash:generateContent')
    expect(answer.text).toContain("There are **3** r's")
    expect(answer.usageMetadata?.promptTokenCount).toBe(9)
  })
})

describe('Vertex AI: Claude models', () => {
  test('OpenAI client, non-stream: rawPredict in the model\'s region, anthropic_version in the body, no model field', async () => {
    const completion = await harness.client(key).chat.completions.create({ model: 'claude-sonnet-4-5-20250929', max_tokens: 100, messages: [{ role: 'user', content: 'Hello' }] })
    expect(lastCall().path).toBe('/v1/projects/test-project/locations/us-east5/publishers/anthropic/models/claude-sonnet-4-5@20250929:rawPredict')
    expect(lastCall().body.anthropic_version).toBe('vertex-2023-10-16')
    expect(lastCall().body.model).toBeUndefined()
    expect(lastCall().body.messages).toEqual([{ role: 'user', content: [{ type: 'text', text: 'Hello' }] }])
    expect(completion.choices[0]!.message.content).toBe("Hello! I'm doing well, thanks for asking. How are you doing today? Is there anything I can help you with?")
    expect(completion.usage).toMatchObject({ prompt_tokens: 12, completion_tokens: 29 })
  })

  test('Anthropic client, stream: streamRawPredict, the recorded events passed through', async () => {
    const anthropic = new Anthropic({ apiKey: key, baseURL: harness.server.url, maxRetries: 0 })
    const stream = anthropic.messages.stream({ model: 'claude-sonnet-4-5-20250929', max_tokens: 100, messages: [{ role: 'user', content: 'Hello' }] })
    const message = await stream.finalMessage()
    expect(lastCall().path).toEndWith('/locations/us-east5/publishers/anthropic/models/claude-sonnet-4-5@20250929:streamRawPredict')
    expect(lastCall().body).toMatchObject({ anthropic_version: 'vertex-2023-10-16', stream: true })
    expect(lastCall().body.model).toBeUndefined()
    expect(message.content[0]).toMatchObject({ type: 'text' })
    const recorded = readFixtureChunks('anthropic/anthropic-text.chunks.txt').map((line) => JSON.parse(line)).filter((event) => event.delta?.type === 'text_delta').map((event) => event.delta.text).join('')
    expect((message.content[0] as { text: string }).text).toBe(recorded)
    expect(message.usage).toMatchObject({ input_tokens: 12, output_tokens: 30 })
  })
})

describe('Vertex AI: open models (OpenAI-compatible endpoint)', () => {
  test('OpenAI client: endpoints/openapi/chat/completions with the token, the model named in the body, the answer untouched', async () => {
    const completion = await harness.client(key).chat.completions.create({ model: 'meta/llama-3.3-70b-instruct-maas', messages: [{ role: 'user', content: 'hi' }] })
    expect(lastCall().path).toBe('/v1/projects/test-project/locations/us-central1/endpoints/openapi/chat/completions')
    expect(lastCall().authorization).toStartWith('Bearer ya29.gateway@')
    expect(lastCall().body.model).toBe('meta/llama-3.3-70b-instruct-maas')
    expect(completion.choices[0]!.message.content).toBe('OpenAI API Documentation')
    expect(completion.usage).toMatchObject({ prompt_tokens: 72, completion_tokens: 4 })
  })

  test('Anthropic client, stream: converted from the OpenAI stream', async () => {
    const anthropic = new Anthropic({ apiKey: key, baseURL: harness.server.url, maxRetries: 0 })
    const message = await anthropic.messages.stream({ model: 'meta/llama-3.3-70b-instruct-maas', max_tokens: 100, messages: [{ role: 'user', content: 'Hello' }] }).finalMessage()
    expect(lastCall().path).toEndWith('/endpoints/openapi/chat/completions')
    expect(lastCall().body).toMatchObject({ model: 'meta/llama-3.3-70b-instruct-maas', stream: true })
    const recorded = readFixtureChunks('openai-chat/openai-text.chunks.txt').map((line) => JSON.parse(line).choices[0]?.delta?.content ?? '').join('')
    expect((message.content[0] as { text: string }).text).toBe(recorded)
  })
})

describe('Vertex AI: access tokens', () => {
  test('one token serves many requests of the same key', async () => {
    const before = gatewayTokens()
    for (let index = 0; index < 5; index++) await harness.client(key).chat.completions.create({ model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'hi' }] })
    expect(before).toBe(1)
    expect(gatewayTokens()).toBe(1)
  })

  test('a token about to expire is renewed before the next request; the renewed one is then reused', async () => {
    const email = 'refresh@test-project.iam.gserviceaccount.com'
    // The first token lives 30 s: inside the renewal margin, so the next request must fetch another.
    lifetimes.set(email, [30])
    const used: (string | null)[] = []
    for (let index = 0; index < 3; index++) {
      await harness.client(key).chat.completions.create({ model: 'gemini-refresh', messages: [{ role: 'user', content: 'hi' }] })
      used.push(lastCall().authorization)
    }
    expect(tokenRequests.filter((request) => request.email === email)).toHaveLength(2)
    expect(used[0]).not.toBe(used[1])
    expect(used[1]).toBe(used[2])
    // The region is the one of the name the client asked for (before model_mapping), as new-api keys it.
    expect(lastCall().path).toBe('/v1/projects/test-project/locations/europe-west4/publishers/google/models/gemini-2.5-flash:generateContent')
  })
})

describe('Vertex AI: channel test', () => {
  test('the console\'s channel test sends a real request with the key\'s token and reports success', async () => {
    const result = await harness.root.call('GET', `/api/channel/test/${gatewayChannel}?model=claude-sonnet-4-5-20250929`)
    expect(result.body).toMatchObject({ success: true })
    expect(lastCall().path).toEndWith('/locations/us-east5/publishers/anthropic/models/claude-sonnet-4-5@20250929:rawPredict')
    expect(lastCall().authorization).toStartWith('Bearer ya29.gateway@')
  })
})

describe('Vertex AI: API-key (express) mode', () => {
  test('a key that is not JSON goes as ?key= to the global publisher path, with no token exchange', async () => {
    const tokensBefore = tokenRequests.length
    const completion = await harness.client(key).chat.completions.create({ model: 'gemini-express', messages: [{ role: 'user', content: 'hi' }] })
    expect(lastCall().path).toBe('/v1/publishers/google/models/gemini-2.5-flash:generateContent')
    expect(lastCall().search).toBe('?key=AQ.express-key')
    expect(lastCall().authorization).toBeNull()
    expect(completion.choices[0]!.message.content).toContain('strawberry')
    expect(tokenRequests.length).toBe(tokensBefore)
  })

  test('a Claude model on an API-key channel is refused with a clear 400', async () => {
    const calls = vertexCalls.length
    const error = await harness.client(key).chat.completions.create({ model: 'claude-express', messages: [{ role: 'user', content: 'hi' }] }).catch((caught) => caught)
    expect(error.status).toBe(400)
    expect(error.message).toContain('express) mode serves Gemini models only')
    expect(vertexCalls.length).toBe(calls)
  })
})

describe('Vertex AI: errors', () => {
  for (const status of [401, 403, 429]) {
    test(`${status} from Vertex is retried on the next channel (the key's fault, not the request's)`, async () => {
      const start = vertexCalls.length
      const completion = await harness.client(key).chat.completions.create({ model: `err-${status}`, messages: [{ role: 'user', content: 'hi' }] })
      const paths = vertexCalls.slice(start).map((call) => call.path.split('/')[3])
      expect(paths).toEqual([`p${status}`, 'test-project'])
      expect(completion.choices[0]!.message.content).toContain('strawberry')
    })
  }

  test('with no other channel, the client gets the 429 in the OpenAI error shape with Google\'s message', async () => {
    const error = await harness.client(key).chat.completions.create({ model: 'only-429', messages: [{ role: 'user', content: 'hi' }] }).catch((caught) => caught)
    expect(error.status).toBe(429)
    expect(error.error.message).toBe('You exceeded your current quota, please check your plan.')
  })
})

describe('Vertex AI: a token exchange that fails', () => {
  test('a JWT signed with another key is refused by the token endpoint; the client hears why, and Vertex is never called', async () => {
    const calls = vertexCalls.length
    const error = await harness.client(key).chat.completions.create({ model: 'bad-signature', messages: [{ role: 'user', content: 'hi' }] }).catch((caught) => caught)
    expect(error.status).toBe(502)
    expect(error.message).toContain('Vertex AI token exchange failed (HTTP 400): invalid_grant')
    expect(vertexCalls.length).toBe(calls)
    expect(tokenRequests.some((request) => request.email.startsWith('stranger@'))).toBe(false)
  })
})

describe('Vertex AI: channels refuse keys that cannot work', () => {
  const create = (channel: Record<string, unknown>) => harness.root.call('POST', '/api/channel/', { mode: 'single', channel: { type: 41, name: 'bad', models: 'gemini-2.5-flash', ...channel } })

  test('a JSON key that is not a service account is refused, naming the missing field', async () => {
    const noEmail = await create({ key: JSON.stringify({ type: 'service_account', project_id: 'p', private_key: privatePem }) })
    expect(noEmail.status).toBe(400)
    expect(noEmail.body.message).toContain('"client_email"')
    const wrongType = await create({ key: JSON.stringify({ type: 'authorized_user', client_id: 'x' }) })
    expect(wrongType.status).toBe(400)
    expect(wrongType.body.message).toContain('service_account')
    const noProject = await create({ key: JSON.stringify({ client_email: 'a@b', private_key: privatePem }) })
    expect(noProject.body.message).toContain('"project_id"')
  })

  test('regions that are not region names are refused; a valid key and regions are saved', async () => {
    const badRegion = await create({ key: account('a@test-project.iam.gserviceaccount.com'), other: JSON.stringify({ default: 'evil.example.com/' }) })
    expect(badRegion.status).toBe(400)
    expect(badRegion.body.message).toContain('region')
    const saved = await create({ key: account('a@test-project.iam.gserviceaccount.com'), other: '{"default":"europe-west4"}', base_url: mockUrl, models: 'unused-model' })
    expect(saved.body.success).toBe(true)
    const updated = await harness.root.call('PUT', '/api/channel/', { id: saved.body.data[0].id, key: '{"project_id": "p"}' })
    expect(updated.status).toBe(400)
    expect(updated.body.message).toContain('"client_email"')
  })
})
