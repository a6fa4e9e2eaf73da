import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { readFileSync } from 'node:fs'
import { toFile } from 'openai'
import { fixturesDirectory } from '../../bench/mock-upstream.ts'
import { startRelayHarness, type RelayHarness } from '../testing/relay.ts'

/**
 * Images end to end through the official openai SDK: OpenAI (generations, edits, variations, streaming), Azure,
 * Gemini (Imagen :predict and image-output generateContent), with every bill checked against the pricing rule.
 * The upstream is a local server following OpenAI's and Google's API references; where vercel/ai recorded an
 * answer (openai-images/) it replays the recording.
 */

const fixture = (name: string) => JSON.parse(readFileSync(`${fixturesDirectory()}openai-images/${name}`, 'utf8')) as Record<string, unknown>
const generation = fixture('openai-image.json') as { created: number; data: { b64_json: string }[] }
const edit = fixture('openai-image-edit.json') as { data: { b64_json: string }[] }

interface SeenRequest {
  path: string
  headers: Record<string, string>
  json?: Record<string, unknown>
  fields?: Record<string, string>
  files?: { field: string; name: string; bytes: number[] }[]
}

const seen: SeenRequest[] = []
const gptImageUsage = { input_tokens: 50, input_tokens_details: { text_tokens: 50, image_tokens: 0 }, output_tokens: 4160, total_tokens: 4210 }
const editUsage = { input_tokens: 520, input_tokens_details: { text_tokens: 20, image_tokens: 500 }, output_tokens: 1056, total_tokens: 1576 }
const pngBytes = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]

/** One SSE event as OpenAI frames its image streams: an `event:` line naming the type, then the JSON. */
const sse = (payload: Record<string, unknown>) => `event: ${payload.type}\ndata: ${JSON.stringify(payload)}\n\n`

async function record(request: Request): Promise<SeenRequest> {
  const url = new URL(request.url)
  const entry: SeenRequest = { path: url.pathname + url.search, headers: Object.fromEntries(request.headers) }
  if ((request.headers.get('content-type') ?? '').startsWith('multipart/form-data')) {
    const form = await request.formData()
    entry.fields = {}
    entry.files = []
    for (const [field, value] of form) {
      if (typeof value === 'string') entry.fields[field] = value
      else entry.files.push({ field, name: value.name, bytes: [...new Uint8Array(await value.arrayBuffer())] })
    }
  } else {
    entry.json = await request.json() as Record<string, unknown>
  }
  seen.push(entry)
  return entry
}

async function upstream(request: Request): Promise<Response> {
  const entry = await record(request)
  const path = entry.path
  if (path.includes('/images/generations')) {
    const body = entry.json!
    // SiliconFlow's API reference: images[].url (hosted), timings, seed.
    if (body.model === 'Kwai-Kolors/Kolors') {
      return Response.json({ images: Array.from({ length: Number(body.batch_size ?? 1) }, (_, index) => ({ url: `https://sf.example/${index}.png` })), timings: { inference: 1.2 }, seed: 7 })
    }
    if (body.model === 'refuse-format') return Response.json(fixture('gpt-image-response-format-error.json'), { status: 400 })
    if (body.stream === true) {
      const events = sse({ type: 'image_generation.partial_image', b64_json: 'cGFydGlhbA==', partial_image_index: 0, created_at: 1, size: '1024x1024', quality: 'low', background: 'auto', output_format: 'png' })
        + sse({ type: 'image_generation.completed', b64_json: generation.data[0]!.b64_json, created_at: 2, size: '1024x1024', quality: 'low', background: 'auto', output_format: 'png', usage: gptImageUsage })
      return new Response(events, { headers: { 'content-type': 'text/event-stream' } })
    }
    const count = Number(body.n ?? 1)
    if (String(body.model).startsWith('gpt-image')) return Response.json({ created: generation.created, data: generation.data.slice(0, count), usage: gptImageUsage })
    return Response.json({ ...generation, data: generation.data.slice(0, count) })
  }
  if (path.startsWith('/v1/images/edits')) return Response.json({ ...edit, usage: editUsage })
  if (path.startsWith('/v1/images/variations')) return Response.json({ ...generation, data: generation.data.slice(0, Number(entry.fields!.n ?? 1)) })
  // Google's API reference: Imagen's predict answers predictions[].bytesBase64Encoded.
  if (path.includes(':predict')) {
    const count = Number((entry.json!.parameters as { sampleCount: number }).sampleCount)
    return Response.json({ predictions: generation.data.slice(0, count).map((image) => ({ bytesBase64Encoded: image.b64_json, mimeType: 'image/png' })) })
  }
  if (path.includes(':generateContent')) {
    return Response.json({
      candidates: [{ content: { role: 'model', parts: [{ text: 'Here is your image.' }, { inlineData: { mimeType: 'image/png', data: edit.data[0]!.b64_json } }] }, finishReason: 'STOP' }],
      usageMetadata: { promptTokenCount: 10, candidatesTokenCount: 1290, totalTokenCount: 1300 }, modelVersion: 'gemini-2.5-flash-image',
    })
  }
  return Response.json({ error: { message: `no route for ${path}` } }, { status: 404 })
}

let harness: RelayHarness
let key: string
let imageServer: ReturnType<typeof Bun.serve>
let imageUrl: string

async function lastRow(model: string) {
  await harness.server.flushUsage()
  const row = (await harness.root.call('GET', `/api/log/?type=2&model_name=${encodeURIComponent(model)}&page_size=1`)).body.data.items[0]
  return { ...row, other: JSON.parse(row.other) }
}

beforeAll(async () => {
  imageServer = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: upstream })
  imageUrl = `http://127.0.0.1:${imageServer.port}`
  harness = await startRelayHarness()
  key = (await harness.addToken()).key
  await harness.setOption('ModelPrice', { 'dall-e-2': 0.02, 'dall-e-3': 0.04, 'imagen-4.0-generate-001': 0.04, 'Kwai-Kolors/Kolors': 0.01 })
  await harness.setOption('ModelRatio', { 'gpt-image-1': 2.5, 'edit-alias': 2.5, 'gemini-2.5-flash-image': 1, 'refuse-format': 1, 'claude-painter': 1 })
  await harness.setOption('CompletionRatio', { 'gpt-image-1': 8, 'gemini-2.5-flash-image': 10 })
  await harness.setOption('ImageRatio', { 'gpt-image-1': 2 })
  await harness.addChannel({ name: 'openai-images', base_url: imageUrl, models: 'dall-e-2,gpt-image-1,refuse-format' })
  await harness.addChannel({ name: 'openai-mapped', base_url: imageUrl, models: 'edit-alias', model_mapping: JSON.stringify({ 'edit-alias': 'gpt-image-1' }) })
  await harness.addChannel({ type: 3, name: 'azure-images', key: 'azure-key', base_url: imageUrl, other: '2025-04-01-preview', models: 'dall-e-3' })
  await harness.addChannel({ type: 24, name: 'gemini-images', key: 'gemini-key', base_url: imageUrl, models: 'imagen-4.0-generate-001,gemini-2.5-flash-image' })
  await harness.addChannel({ type: 40, name: 'siliconflow-images', key: 'sf-key', base_url: imageUrl, models: 'Kwai-Kolors/Kolors' })
  await harness.addChannel({ type: 14, name: 'claude', key: 'claude-key', models: 'claude-painter' })
})
afterAll(async () => {
  await harness.dispose()
  await imageServer.stop(true)
})

describe('OpenAI image routes through the openai SDK', () => {
  test('dall-e-2 generations: the recorded answer comes back; billed ModelPrice × size ratio × n', async () => {
    seen.length = 0
    const result = await harness.client(key).images.generate({ model: 'dall-e-2', prompt: 'a sea otter', n: 2, size: '512x512', response_format: 'b64_json' })
    expect(result.data!.map((image) => image.b64_json)).toEqual(generation.data.map((image) => image.b64_json))
    expect(seen.map((request) => `${request.path} ${request.headers.authorization}`)).toEqual(['/v1/images/generations Bearer sk-upstream'])
    const row = await lastRow('dall-e-2')
    // 0.02 USD × 500 000 quota/USD × 0.45 (512x512) × 2 images
    expect(row.quota).toBe(9000)
    expect(row.other.model_price).toBe(0.02)
    expect(row.other.billed_for).toEqual({ n: 2, size: '512x512', size_ratio: 0.45, quality_ratio: 1 })
  })

  test('gpt-image-1 generations are billed by their usage tokens: text input, image input × ImageRatio, output × CompletionRatio', async () => {
    const result = await harness.client(key).images.generate({ model: 'gpt-image-1', prompt: 'a lighthouse', quality: 'high' })
    expect(result.usage?.output_tokens).toBe(4160)
    const row = await lastRow('gpt-image-1')
    // (50 text + 0 image × 2 + 4160 output × 8) × ModelRatio 2.5
    expect(row.quota).toBe((50 + 4160 * 8) * 2.5)
    expect(row.prompt_tokens).toBe(50)
    expect(row.completion_tokens).toBe(4160)
    expect(row.other.billed_for).toEqual({ n: 1, quality: 'high' })
  })

  test('a streamed generation passes the partial and completed events through and bills the completed event\'s usage', async () => {
    const stream = await harness.client(key).images.generate({ model: 'gpt-image-1', prompt: 'a kite', stream: true, partial_images: 1, quality: 'low' })
    const events: string[] = []
    for await (const event of stream) events.push(event.type)
    expect(events).toEqual(['image_generation.partial_image', 'image_generation.completed'])
    const row = await lastRow('gpt-image-1')
    expect(row.is_stream).toBe(true)
    expect(row.quota).toBe((50 + 4160 * 8) * 2.5)
    expect(row.other.billed_for).toEqual({ n: 1, quality: 'low' })
  })

  test('edits: image[] files and the mask reach the upstream untouched; usage with input image tokens is billed at ImageRatio', async () => {
    seen.length = 0
    const first = await toFile(new Uint8Array(pngBytes), 'first.png', { type: 'image/png' })
    const second = await toFile(new Uint8Array([...pngBytes].reverse()), 'second.png', { type: 'image/png' })
    const mask = await toFile(new Uint8Array([9, 9, 9]), 'mask.png', { type: 'image/png' })
    const result = await harness.client(key).images.edit({ model: 'gpt-image-1', prompt: 'add a hat', image: [first, second], mask, size: '1024x1024' })
    expect(result.data![0]!.b64_json).toBe(edit.data[0]!.b64_json)
    const received = seen[0]!
    expect(received.path).toBe('/v1/images/edits')
    expect(received.fields).toMatchObject({ model: 'gpt-image-1', prompt: 'add a hat', size: '1024x1024' })
    expect(received.files!.map((file) => [file.field, file.name, file.bytes.length]).sort()).toEqual([['image[]', 'first.png', 11], ['image[]', 'second.png', 11], ['mask', 'mask.png', 3]])
    const row = await lastRow('gpt-image-1')
    // (20 text + 500 image × ImageRatio 2 + 1056 output × 8) × 2.5
    expect(row.quota).toBe((20 + 500 * 2 + 1056 * 8) * 2.5)
    expect(row.other.billed_for).toEqual({ n: 1, size: '1024x1024' })
  })

  test('a mapped model rebuilds the form with the upstream model, files byte for byte', async () => {
    seen.length = 0
    await harness.client(key).images.edit({ model: 'edit-alias', prompt: 'a scarf', image: await toFile(new Uint8Array(pngBytes), 'only.png', { type: 'image/png' }) })
    expect(seen[0]!.fields).toMatchObject({ model: 'gpt-image-1', prompt: 'a scarf' })
    expect(seen[0]!.files).toEqual([{ field: 'image', name: 'only.png', bytes: pngBytes }])
  })

  test('variations: one dall-e-2 image, billed ModelPrice × n', async () => {
    const result = await harness.client(key).images.createVariation({ model: 'dall-e-2', image: await toFile(new Uint8Array(pngBytes), 'otter.png', { type: 'image/png' }), n: 2 })
    expect(result.data).toHaveLength(2)
    const row = await lastRow('dall-e-2')
    expect(row.quota).toBe(0.02 * 500_000 * 2)
    expect(row.other.request_path).toBe('/v1/images/variations')
  })

  test('an upstream refusal passes through in OpenAI\'s shape and refunds the reservation', async () => {
    const error = await harness.client(key).images.generate({ model: 'refuse-format', prompt: 'x', response_format: 'url' }).catch((caught: unknown) => caught) as { status: number; error: { param: string; code: string } }
    expect(error.status).toBe(400)
    expect(error.error).toMatchObject({ param: 'response_format', code: 'unknown_parameter' })
    await harness.server.flushUsage()
    const row = (await harness.root.call('GET', '/api/log/?type=5&model_name=refuse-format&page_size=1')).body.data.items[0]
    expect(JSON.parse(row.other).status_code).toBe(400)
  })
})

describe('Azure and Gemini image channels', () => {
  test('Azure: the deployment URL with api-version and the api-key header; dall-e-3 hd at 1792x1024 costs 2 × 1.5', async () => {
    seen.length = 0
    const result = await harness.client(key).images.generate({ model: 'dall-e-3', prompt: 'a fjord', size: '1792x1024', quality: 'hd' })
    expect(result.data).toHaveLength(1)
    expect(seen[0]!.path).toBe('/openai/deployments/dall-e-3/images/generations?api-version=2025-04-01-preview')
    expect(seen[0]!.headers['api-key']).toBe('azure-key')
    const row = await lastRow('dall-e-3')
    expect(row.quota).toBe(0.04 * 500_000 * 2 * 1.5)
    expect(row.other.billed_for).toEqual({ n: 1, size: '1792x1024', quality: 'hd', size_ratio: 2, quality_ratio: 1.5 })
  })

  test('Imagen: :predict with sampleCount and the nearest aspect ratio, answered as b64_json', async () => {
    seen.length = 0
    const result = await harness.client(key).images.generate({ model: 'imagen-4.0-generate-001', prompt: 'a fox', n: 2, size: '1792x1024' })
    expect(result.data!.map((image) => image.b64_json)).toEqual(generation.data.map((image) => image.b64_json))
    expect(seen[0]!.path).toBe('/v1beta/models/imagen-4.0-generate-001:predict')
    expect(seen[0]!.headers['x-goog-api-key']).toBe('gemini-key')
    expect(seen[0]!.json).toEqual({ instances: [{ prompt: 'a fox' }], parameters: { sampleCount: 2, aspectRatio: '16:9' } })
    expect((await lastRow('imagen-4.0-generate-001')).quota).toBe(0.04 * 500_000 * 2)
  })

  test('a stream asked of Imagen comes back as one completed event per image, billed per image', async () => {
    const stream = await harness.client(key).images.generate({ model: 'imagen-4.0-generate-001', prompt: 'a heron', n: 2, stream: true })
    const images: string[] = []
    for await (const event of stream) {
      expect(event.type).toBe('image_generation.completed')
      images.push(event.b64_json)
    }
    expect(images).toEqual(generation.data.map((image) => image.b64_json))
    const row = await lastRow('imagen-4.0-generate-001')
    expect(row.is_stream).toBe(true)
    expect(row.quota).toBe(0.04 * 500_000 * 2)
  })

  test('SiliconFlow: image_size and batch_size on its dialect, the hosted URLs answered as data[].url', async () => {
    seen.length = 0
    const result = await harness.client(key).images.generate({ model: 'Kwai-Kolors/Kolors', prompt: 'a cat', n: 2, size: '1024x1024' })
    expect(result.data!.map((image) => image.url)).toEqual(['https://sf.example/0.png', 'https://sf.example/1.png'])
    expect(seen[0]!.path).toBe('/v1/images/generations')
    expect(seen[0]!.headers.authorization).toBe('Bearer sf-key')
    expect(seen[0]!.json).toEqual({ model: 'Kwai-Kolors/Kolors', prompt: 'a cat', image_size: '1024x1024', batch_size: 2 })
    expect((await lastRow('Kwai-Kolors/Kolors')).quota).toBe(0.01 * 500_000 * 2)
  })

  test('Gemini image model: generateContent with image output and the uploaded image for an edit; billed by usageMetadata', async () => {
    seen.length = 0
    const result = await harness.client(key).images.edit({ model: 'gemini-2.5-flash-image', prompt: 'make it blue', image: await toFile(new Uint8Array(pngBytes), 'in.png', { type: 'image/png' }) })
    expect(result.data![0]!.b64_json).toBe(edit.data[0]!.b64_json)
    const sent = seen[0]!
    expect(sent.path).toBe('/v1beta/models/gemini-2.5-flash-image:generateContent')
    expect(sent.json).toEqual({
      contents: [{ role: 'user', parts: [{ text: 'make it blue' }, { inlineData: { mimeType: 'image/png', data: Buffer.from(pngBytes).toString('base64') } }] }],
      generationConfig: { responseModalities: ['TEXT', 'IMAGE'] },
    })
    // (10 prompt + 1290 output × CompletionRatio 10) × ModelRatio 1
    expect((await lastRow('gemini-2.5-flash-image')).quota).toBe(10 + 1290 * 10)
  })
})

describe('refusals before anything is reserved or sent', () => {
  const post = (path: string, body: BodyInit, contentType?: string) => fetch(`${harness.server.url}${path}`, {
    method: 'POST', headers: { authorization: `Bearer ${key}`, ...(contentType ? { 'content-type': contentType } : {}) }, body,
  })

  test('each bad field is named in a 400 in OpenAI\'s error shape, and the upstream hears nothing', async () => {
    seen.length = 0
    const noImage = new FormData()
    noImage.set('model', 'gpt-image-1')
    noImage.set('prompt', 'a hat')
    const cases: [Response, string][] = [
      [await post('/v1/images/edits', noImage), '"image" is required'],
      [await post('/v1/images/generations', JSON.stringify({ model: 'dall-e-2', prompt: 'x', n: 11 }), 'application/json'), '"n" must be an integer from 1 to 10'],
      [await post('/v1/images/generations', JSON.stringify({ model: 'dall-e-3', prompt: 'x', n: 2 }), 'application/json'), '"n" must be an integer from 1 to 1'],
      [await post('/v1/images/generations', JSON.stringify({ model: 'dall-e-3', prompt: 'x', size: '512x512' }), 'application/json'), '"size": dall-e-3 offers 1024x1024, 1792x1024, 1024x1792'],
      [await post('/v1/images/generations', JSON.stringify({ model: 'gpt-image-1', prompt: 'x', size: '2048x2048' }), 'application/json'), '"size": gpt-image-1 offers auto'],
      [await post('/v1/images/generations', JSON.stringify({ model: 'gpt-image-2', prompt: 'x', size: '1000x1000' }), 'application/json'), 'divisible by 16'],
      [await post('/v1/images/generations', JSON.stringify({ model: 'dall-e-2', prompt: 'x', response_format: 'png' }), 'application/json'), '"response_format" must be "url" or "b64_json"'],
      [await post('/v1/images/variations', JSON.stringify({ model: 'dall-e-2' }), 'application/json'), 'multipart/form-data'],
    ]
    for (const [response, message] of cases) {
      expect(response.status).toBe(400)
      const body = await response.json() as { error: { message: string; type: string } }
      expect(body.error.message).toContain(message)
      expect(body.error.type).toBe('invalid_request_error')
    }
    expect(seen).toHaveLength(0)
  })

  test('a model served only by an Anthropic channel gets a 503 naming the images endpoint', async () => {
    const response = await post('/v1/images/generations', JSON.stringify({ model: 'claude-painter', prompt: 'x' }), 'application/json')
    expect(response.status).toBe(503)
    const body = await response.json() as { error: { message: string } }
    expect(body.error.message).toContain('that serves /v1/images/generations')
  })
})
