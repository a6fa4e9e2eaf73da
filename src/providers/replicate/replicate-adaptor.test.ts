import { describe, expect, test } from 'bun:test'
import { createMemoryStateStore } from '../../channels/state-store.ts'
import { ConversionError, UpstreamStreamError } from '../errors.ts'
import { providerForChannelType } from '../index.ts'
import { assembleChunks, awkwardPieceSizes, decodeInPieces, readFixtureJson, readFixtureText, runParser } from '../replay-fixture.ts'
import type { ChatRequest, PrepareIo, UpstreamAnswer, UpstreamTarget } from '../types.ts'
import { replicateAdaptor } from './replicate-adaptor.ts'
import { mapReplicateError } from './replicate-error.ts'
import { aspectRatioFor, replicateImages } from './replicate-images.ts'
import { POLL_DEADLINE_MS, sameService, settlePrediction } from './replicate-prediction.ts'

const BASE = 'https://api.replicate.com'
const target: UpstreamTarget = { baseUrl: BASE, key: 'r8_key', model: 'meta/meta-llama-3-70b-instruct', stream: false, other: '', setting: {}, channelType: 56 }
const request = (messages: ChatRequest['messages'], extra: Record<string, unknown> = {}): ChatRequest => ({ model: 'llama', messages, ...extra })
const json = (body: unknown, status = 200): UpstreamAnswer => new Response(typeof body === 'string' ? body : JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } })
const sse = (text: string): UpstreamAnswer => new Response(text, { headers: { 'content-type': 'text/event-stream' } })

/** A PrepareIo whose GETs answer from `answers` in order and are recorded. */
function io(answers: (() => UpstreamAnswer)[] = []) {
  const gets: { url: string; headers: Record<string, string> }[] = []
  const posts: string[] = []
  const prepareIo: PrepareIo = {
    post: async (url) => {
      posts.push(url)
      return json({})
    },
    get: async (url, headers) => {
      gets.push({ url, headers })
      const next = answers.shift()
      if (!next) throw new Error(`unexpected GET ${url}`)
      return next()
    },
    // Image downloads answer from the same queue (the channel client's download is the SSRF-guarded fetch).
    download: async (url) => {
      gets.push({ url, headers: {} })
      const next = answers.shift()
      if (!next) throw new Error(`unexpected download ${url}`)
      const answer = next()
      if (!answer.ok) throw new Error(`HTTP ${answer.status}`)
      return new Uint8Array(await new Response(answer.body).arrayBuffer())
    },
    state: createMemoryStateStore(),
  }
  return { prepareIo, gets, posts }
}

async function read(built: ReturnType<typeof replicateAdaptor.buildRequest>, answer: UpstreamAnswer, calls: ReturnType<typeof io>) {
  const prepared = await built.prepare!(calls.prepareIo)
  return prepared.read!(answer)
}

describe('Replicate adaptor: requests built from the HTTP API reference', () => {
  test('owner/name → the model predictions endpoint, bearer token, Prefer: wait; system → system_prompt; sampling passed on', () => {
    const native = replicateAdaptor.toUpstream(request([{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Capital of France?' }], { max_tokens: 64, temperature: 0.2, top_p: 0.9, stop: ['\n\n'] }), target)
    const built = replicateAdaptor.buildRequest(native, target)
    expect(built.url).toBe(`${BASE}/v1/models/meta/meta-llama-3-70b-instruct/predictions`)
    expect(built.headers).toEqual({ 'content-type': 'application/json', authorization: 'Bearer r8_key', prefer: 'wait' })
    expect(JSON.parse(built.body)).toEqual({ input: { prompt: 'Capital of France?', system_prompt: 'Be brief.', max_tokens: 64, temperature: 0.2, top_p: 0.9, stop_sequences: '\n\n' } })
  })

  test('owner/name:version → POST /v1/predictions with the version; a stream asks stream: true and does not wait', () => {
    const version = 'fbfb20b472b2f3bdd101412a9f70a0ed4fc0ced78a77ff00970ee7a2383c575d'
    const pinned = { ...target, model: `meta/meta-llama-3-70b-instruct:${version}`, stream: true }
    const built = replicateAdaptor.buildRequest(replicateAdaptor.toUpstream(request([{ role: 'user', content: 'hi' }]), pinned), pinned)
    expect(built.url).toBe(`${BASE}/v1/predictions`)
    expect(built.headers.prefer).toBeUndefined()
    expect(JSON.parse(built.body)).toEqual({ version, input: { prompt: 'hi' }, stream: true })
  })

  test('a conversation becomes a User:/Assistant: transcript ending with Assistant:', () => {
    const native = replicateAdaptor.toUpstream(request([
      { role: 'user', content: 'Hi' }, { role: 'assistant', content: 'Hello!' }, { role: 'user', content: [{ type: 'text', text: 'Capital of France?' }] },
    ], { max_completion_tokens: 10 }), target)
    expect(native).toEqual({ input: { prompt: 'User: Hi\n\nAssistant: Hello!\n\nUser: Capital of France?\n\nAssistant:', max_tokens: 10 } })
  })

  test('what Replicate chat cannot take is a 400 naming the field', () => {
    const refused = (build: () => unknown) => {
      try {
        build()
      } catch (error) {
        expect(error).toBeInstanceOf(ConversionError)
        return (error as ConversionError).param
      }
      throw new Error('not refused')
    }
    expect(refused(() => replicateAdaptor.toUpstream(request([{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://x/y.png' } }] }]), target))).toBe('messages[0].content')
    expect(refused(() => replicateAdaptor.toUpstream(request([{ role: 'user', content: 'hi' }], { tools: [{ type: 'function', function: { name: 'f' } }] }), target))).toBe('tools')
    expect(refused(() => replicateAdaptor.toUpstream(request([{ role: 'tool', content: 'x' }]), target))).toBe('messages[0].role')
    expect(refused(() => replicateAdaptor.buildRequest({ input: { prompt: 'hi' } }, { ...target, model: 'llama-3' }))).toBe('model')
  })
})

describe('Replicate adaptor: answers', () => {
  test('a succeeded prediction: the output pieces joined, usage from metrics', () => {
    const { response, usage } = replicateAdaptor.fromUpstream(readFixtureJson('replicate/replicate-llama-succeeded.json'), target)
    expect(response.choices).toEqual([{ index: 0, message: { role: 'assistant', content: 'The capital of France is Paris.' }, finish_reason: 'stop' }])
    expect(response.id).toBe('gm3qorzdhgbfurvjtvhg6dckhu')
    expect(usage).toMatchObject({ inputTokens: 23, outputTokens: 7 })
    expect(replicateAdaptor.readUsage(readFixtureJson('replicate/replicate-llama-succeeded.json'))).toMatchObject({ inputTokens: 23, outputTokens: 7 })
  })

  test('non-stream: a prediction still processing after the wait is polled on the base URL with the key until it succeeds', async () => {
    const calls = io([() => json(readFixtureText('replicate/replicate-llama-processing.json')), () => json(readFixtureText('replicate/replicate-llama-succeeded.json'))])
    const built = replicateAdaptor.buildRequest({ input: { prompt: 'hi' } }, target)
    const answer = await read(built, json(readFixtureText('replicate/replicate-llama-processing.json'), 201), calls)
    expect(answer.status).toBe(200)
    expect(((await answer.json()) as Record<string, unknown>).status).toBe('succeeded')
    expect(calls.gets.map((get) => [get.url, get.headers.authorization])).toEqual([
      [`${BASE}/v1/predictions/gm3qorzdhgbfurvjtvhg6dckhu`, 'Bearer r8_key'], [`${BASE}/v1/predictions/gm3qorzdhgbfurvjtvhg6dckhu`, 'Bearer r8_key'],
    ])
  })

  test('non-stream: a failed prediction is a 502 failure carrying Replicate\'s error; HTTP errors pass as they came', async () => {
    const built = replicateAdaptor.buildRequest({ input: { prompt: 'hi' } }, target)
    const failed = await read(built, json(readFixtureText('replicate/replicate-llama-failed.json'), 201), io())
    expect(failed.status).toBe(502)
    const error = replicateAdaptor.mapError(failed.status, await failed.text())
    expect(error).toMatchObject({ status: 502, code: 'prediction_failed', retryable: true })
    expect(error.message).toContain('CUDA error: out of memory')
    const refused = await read(built, json(readFixtureText('replicate/replicate-401.json'), 401), io())
    expect(refused.status).toBe(401)
    const garbled = await read(built, json('<html>proxy page</html>', 201), io())
    expect(garbled.status).toBe(502)
    expect(replicateAdaptor.mapError(502, await garbled.text()).message).toContain('not a prediction')
  })

  test('non-stream: past the deadline the prediction is cancelled and the client gets a 504', async () => {
    const calls = io()
    const answer = await settlePrediction(json(readFixtureText('replicate/replicate-llama-processing.json'), 201), calls.prepareIo, { baseUrl: BASE, key: 'r8_key' }, Date.now() - POLL_DEADLINE_MS)
    expect(answer.status).toBe(504)
    expect(replicateAdaptor.mapError(504, await answer.text())).toMatchObject({ status: 504, retryable: false })
    expect(calls.posts).toEqual([`${BASE}/v1/predictions/gm3qorzdhgbfurvjtvhg6dckhu/cancel`])
    expect(calls.gets).toEqual([])
  })

  test('HTTP errors map to OpenAI-shaped errors with the right retry class', () => {
    const mapped = (file: string, status: number) => mapReplicateError(status, readFixtureText(`replicate/${file}`))
    expect(mapped('replicate-401.json', 401)).toMatchObject({ type: 'authentication_error', message: 'You did not pass a valid authentication token', retryable: true })
    expect(mapped('replicate-402.json', 402)).toMatchObject({ type: 'insufficient_quota', code: 'insufficient_quota', retryable: false })
    expect(mapped('replicate-404.json', 404)).toMatchObject({ type: 'not_found_error', retryable: true })
    expect(mapped('replicate-422.json', 422)).toMatchObject({ type: 'invalid_request_error', code: 'input_validation_failed', message: '- input.max_tokens: Invalid type. Expected: integer, given: string', retryable: false })
    expect(mapped('replicate-429.json', 429)).toMatchObject({ type: 'rate_limit_error', retryable: true })
    expect(mapReplicateError(503, '<html>bad gateway</html>')).toMatchObject({ type: 'upstream_error', retryable: true })
  })
})

describe('Replicate adaptor: streams', () => {
  for (const pieceSize of awkwardPieceSizes) {
    test(`output pieces → content (multi-line data kept), the prediction event → usage, done → stop (pieces of ${pieceSize})`, () => {
      const bytes = new TextEncoder().encode(readFixtureText('replicate/replicate-stream.sse.txt').replace('event: done', `event: prediction\ndata: ${JSON.stringify(readFixtureJson('replicate/replicate-llama-stream-succeeded.json'))}\n\nevent: done`))
      const result = runParser(replicateAdaptor.createStreamParser(target), decodeInPieces(bytes, pieceSize))
      expect(assembleChunks(result.chunks).content).toBe('The capital of France is\nParis.')
      expect(assembleChunks(result.chunks).finishReasons).toEqual(['stop'])
      expect(result.usage).toMatchObject({ inputTokens: 23, outputTokens: 7 })
      expect(result.chunks[0]!.choices[0]).toMatchObject({ delta: { role: 'assistant', content: 'The' } })
    })
  }

  test('an error event ends the stream with the prediction\'s error', () => {
    const parser = replicateAdaptor.createStreamParser(target)
    const events = decodeInPieces(new TextEncoder().encode(readFixtureText('replicate/replicate-stream-error.sse.txt')), 5)
    expect(parser.push(events[0]!)).toHaveLength(1)
    try {
      parser.push(events[1]!)
      throw new Error('no error')
    } catch (error) {
      expect(error).toBeInstanceOf(UpstreamStreamError)
      expect((error as UpstreamStreamError).upstream).toMatchObject({ status: 502, code: 'prediction_failed' })
      expect((error as UpstreamStreamError).message).toContain('CUDA error: out of memory')
    }
  })

  test('the read step opens urls.stream (with the key on Replicate\'s own hosts) and adds the finished prediction before done', async () => {
    const calls = io([() => sse(readFixtureText('replicate/replicate-stream.sse.txt')), () => json(readFixtureText('replicate/replicate-llama-stream-succeeded.json'))])
    const streaming = { ...target, stream: true }
    const built = replicateAdaptor.buildRequest({ input: { prompt: 'hi' } }, streaming)
    const answer = await read(built, json(readFixtureText('replicate/replicate-llama-starting.json'), 201), calls)
    expect(answer.headers.get('content-type')).toBe('text/event-stream')
    const result = runParser(replicateAdaptor.createStreamParser(streaming), decodeInPieces(new Uint8Array(await new Response(answer.body).arrayBuffer()), 1 << 30))
    expect(assembleChunks(result.chunks).content).toBe('The capital of France is\nParis.')
    expect(result.usage).toMatchObject({ inputTokens: 23, outputTokens: 7 })
    expect(calls.gets[0]).toEqual({ url: 'https://stream.replicate.com/v1/files/bcwr-3okdfv3o2wehstq5di24gfwthkfs4nr6o5j3mzjjfrkwolo2mv4q', headers: { accept: 'text/event-stream', 'cache-control': 'no-store', authorization: 'Bearer r8_key' } })
    expect(calls.gets[1]!.url).toBe(`${BASE}/v1/predictions/rrr4z55ocneqzikepnug6xezpe`)
  })

  test('a client leaving a stream before done cancels the prediction', async () => {
    const open = new ReadableStream<Uint8Array>({ start: (controller) => controller.enqueue(new TextEncoder().encode('event: output\ndata: The\n\n')) })
    const calls = io([() => new Response(open, { headers: { 'content-type': 'text/event-stream' } })])
    const streaming = { ...target, stream: true }
    const answer = await read(replicateAdaptor.buildRequest({ input: { prompt: 'hi' } }, streaming), json(readFixtureText('replicate/replicate-llama-starting.json'), 201), calls)
    const reader = answer.body!.getReader()
    expect(new TextDecoder().decode((await reader.read()).value)).toBe('event: output\ndata: The\n\n')
    await reader.cancel()
    expect(calls.posts).toEqual([`${BASE}/v1/predictions/rrr4z55ocneqzikepnug6xezpe/cancel`])
  })

  test('the key goes only to the channel\'s own service', () => {
    expect(sameService(BASE, 'https://stream.replicate.com/v1/files/x')).toBe(true)
    expect(sameService(BASE, 'https://streaming.api.replicate.com/v1/predictions/x')).toBe(true)
    expect(sameService(BASE, 'https://evil.example/v1/files/x')).toBe(false)
    expect(sameService('http://127.0.0.1:8080', 'http://127.0.0.2:8080/x')).toBe(false)
    expect(sameService('http://127.0.0.1:8080', 'http://127.0.0.1:9090/x')).toBe(true)
  })
})

describe('Replicate images', () => {
  const flux = { ...target, model: 'black-forest-labs/flux-schnell' }
  test('generations: prompt, n → num_outputs, size → the nearest aspect ratio, waiting; the output URLs are data[].url', () => {
    const built = replicateImages.request({ operation: 'generations', prompt: 'a red fox in the snow', n: 2, size: '1792x1024', responseFormat: 'url', images: [] }, flux)
    expect(built.url).toBe(`${BASE}/v1/models/black-forest-labs/flux-schnell/predictions`)
    expect(built.headers).toMatchObject({ authorization: 'Bearer r8_key', prefer: 'wait' })
    expect(built.body).toEqual({ input: { prompt: 'a red fox in the snow', aspect_ratio: '16:9', num_outputs: 2 } })
    const result = replicateImages.parse(readFixtureJson('replicate/replicate-flux-succeeded.json'), { operation: 'generations', prompt: 'x', n: 2, responseFormat: 'url', images: [] })
    expect(result).toEqual({ data: [{ url: 'https://replicate.delivery/xezq/fox-0.webp' }, { url: 'https://replicate.delivery/xezq/fox-1.webp' }], usage: null })
    expect(replicateImages.parse({ status: 'succeeded', output: 'data:image/webp;base64,UklGRg==' }, { operation: 'generations', prompt: 'x', n: 1, responseFormat: 'url', images: [] }).data).toEqual([{ b64_json: 'UklGRg==' }])
  })

  test('b64_json: the finished prediction\'s images are downloaded (no key off Replicate\'s service) and inlined', async () => {
    const calls = io([
      () => new Response(new Uint8Array([1, 2, 3]), { headers: { 'content-type': 'image/webp' } }),
      () => new Response(new Uint8Array([4, 5]), { headers: { 'content-type': 'image/webp' } }),
    ])
    const built = replicateImages.request({ operation: 'generations', prompt: 'fox', n: 2, responseFormat: 'b64_json', images: [] }, flux)
    const answer = await built.read!(json(readFixtureText('replicate/replicate-flux-succeeded.json'), 201), calls.prepareIo)
    const result = replicateImages.parse((await answer.json()) as Record<string, unknown>, { operation: 'generations', prompt: 'fox', n: 2, responseFormat: 'b64_json', images: [] })
    expect(result.data).toEqual([{ b64_json: 'AQID' }, { b64_json: 'BAU=' }])
    expect(calls.gets).toEqual([{ url: 'https://replicate.delivery/xezq/fox-0.webp', headers: {} }, { url: 'https://replicate.delivery/xezq/fox-1.webp', headers: {} }])
    const missing = io([() => new Response('gone', { status: 404 }), () => new Response('gone', { status: 404 })])
    const failed = await built.read!(json(readFixtureText('replicate/replicate-flux-succeeded.json'), 201), missing.prepareIo)
    expect(failed.status).toBe(502)
    expect(replicateAdaptor.mapError(502, await failed.text()).message).toContain('could not be downloaded: HTTP 404')
  })

  test('sizes map to aspect ratios; a malformed size is a 400 on size', () => {
    expect(['1024x1024', '1024x1792', '1536x1024', '1024x1536', '1280x1024', '2560x1080'].map(aspectRatioFor)).toEqual(['1:1', '9:16', '3:2', '2:3', '5:4', '21:9'])
    expect(() => aspectRatioFor('big')).toThrow(ConversionError)
    const single = replicateImages.request({ operation: 'generations', prompt: 'fox', n: 1, size: 'auto', responseFormat: 'url', images: [] }, flux)
    expect(single.body).toEqual({ input: { prompt: 'fox' } })
  })

  test('type 56 is registered with chat and image generations at https://api.replicate.com', () => {
    const provider = providerForChannelType(56)!
    expect(provider.defaultBaseUrl).toBe(BASE)
    expect(provider.chat).toBe(replicateAdaptor)
    expect([...provider.images!.operations]).toEqual(['generations'])
  })
})
