import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { silentWav } from '../testing/wav.ts'
import { toFile } from 'openai'
import { mockSpeechBytes, mockTranscriptionUsage, type MockRequest } from '../../bench/mock-upstream.ts'
import { startRelayHarness, type RelayHarness } from '../testing/relay.ts'

/**
 * The audio endpoints end to end: the official openai SDK → the gateway → the mock upstream (recorded verbose_json
 * and text answers, the rest built from OpenAI's API reference), with every bill checked against new-api's rule:
 * uploads at 1000 tokens a minute of whole seconds, speech per character, reported usage tokens where there are some.
 */

/** `seconds` of silence as a WAV: its header is what music-metadata reads the duration from. */
const wavFile = (seconds: number, sampleRate = 8000) => silentWav(Math.round(seconds * sampleRate) * 2, sampleRate)

/** MPEG-1 Layer III frames at 128 kbit/s, 44.1 kHz, no Xing header: music-metadata counts the frames (1152 samples each). */
function mp3File(frames: number): Uint8Array {
  const frameBytes = 417
  const mp3 = new Uint8Array(frames * frameBytes)
  for (let frame = 0; frame < frames; frame++) mp3.set([0xff, 0xfb, 0x90, 0x64], frame * frameBytes)
  return mp3
}

let harness: RelayHarness
let key: string
const seen: MockRequest[] = []
const wav = wavFile(3.5) as Uint8Array<ArrayBuffer>

beforeAll(async () => {
  harness = await startRelayHarness({ env: { MAX_REQUEST_BODY_MB: '1' } })
  key = (await harness.addToken()).key
  await harness.setOption('ModelRatio', { 'whisper-1': 3, 'whisper-alias': 3, 'gpt-4o-transcribe': 1.25, 'tts-1': 7.5, 'gpt-4o-mini-tts': 0.3, 'claude-listens': 1 })
  await harness.setOption('CompletionRatio', { 'gpt-4o-transcribe': 4, 'gpt-4o-mini-tts': 20 })
  await harness.addChannel({ name: 'openai-audio', key: 'key-audio', models: 'whisper-1,gpt-4o-transcribe,tts-1,gpt-4o-mini-tts' })
  harness.upstream.setOptions({ onRequest: (request) => { seen.push(request); return undefined } })
})
afterAll(() => harness.dispose())

async function lastRow(model: string) {
  await harness.server.flushUsage()
  const row = (await harness.root.call('GET', `/api/log/?type=2&model_name=${model}&page_size=1`)).body.data.items[0]
  return { ...row, other: JSON.parse(row.other) }
}

const upload = (bytes: Uint8Array = wav, name = 'speech.wav', type = 'audio/wav') => toFile(bytes, name, { type })

describe('transcriptions and translations', () => {
  test('whisper-1 json: the file reaches the upstream as it was sent, billed by its duration (3.5 s → 4 s → 67 tokens × ratio 3)', async () => {
    seen.length = 0
    const result = await harness.client(key).audio.transcriptions.create({ file: await upload(), model: 'whisper-1', language: 'en' })
    expect(result.text).toStartWith('Galileo was')
    expect(seen).toHaveLength(1)
    expect(seen[0]!.path).toBe('/v1/audio/transcriptions')
    expect(seen[0]!.headers.authorization).toBe('Bearer key-audio')
    expect(seen[0]!.body).toMatchObject({ model: 'whisper-1', language: 'en', file: { filename: 'speech.wav', type: expect.stringContaining('wav'), size: wav.length } })
    const row = await lastRow('whisper-1')
    expect(row.prompt_tokens).toBe(67)
    expect(row.completion_tokens).toBe(0)
    expect(row.quota).toBe(201)
    expect(row.other.billed_for).toEqual({ seconds: 4 })
    expect(row.other.request_path).toBe('/v1/audio/transcriptions')
  })

  test('an MP3 without a Xing header is measured by its frames (1000 frames × 1152 / 44100 = 26.1 s → 27 s → 450 tokens)', async () => {
    await harness.client(key).audio.transcriptions.create({ file: await upload(mp3File(1000), 'talk.mp3', 'audio/mpeg'), model: 'whisper-1' })
    const row = await lastRow('whisper-1')
    expect(row.other.billed_for).toEqual({ seconds: 27 })
    expect(row.prompt_tokens).toBe(450)
    expect(row.quota).toBe(1350)
  })

  test('every response_format comes back as the upstream answered it, with its content type', async () => {
    const client = harness.client(key)
    const text = await client.audio.transcriptions.create({ file: await upload(), model: 'whisper-1', response_format: 'text' })
    expect(text as unknown as string).toBe(' Hello from the Versal AISDK.')
    const srt = await client.audio.transcriptions.create({ file: await upload(), model: 'whisper-1', response_format: 'srt' })
    expect(srt as unknown as string).toStartWith('1\n00:00:00,000 --> ')
    const vtt = await client.audio.transcriptions.create({ file: await upload(), model: 'whisper-1', response_format: 'vtt' })
    expect(vtt as unknown as string).toStartWith('WEBVTT')
    const verbose = await client.audio.transcriptions.create({ file: await upload(), model: 'whisper-1', response_format: 'verbose_json', timestamp_granularities: ['word'] })
    expect(verbose.duration).toBeCloseTo(36.71, 2)
    expect(verbose.words?.[0]).toEqual({ word: 'Galileo', start: 0, end: 0.6600000262260437 })
    // The recorded verbose_json says the upstream heard 37 s (`usage: {type: "duration", seconds: 37}`), more than the
    // file's header claims (3.5 s): the longer is billed, so a header that understates its audio is no discount.
    const verboseRow = await lastRow('whisper-1')
    expect(verboseRow.other.billed_for).toEqual({ seconds: 37, file_seconds: 4 })
    expect(verboseRow.prompt_tokens).toBe(617)
    expect(verboseRow.quota).toBe(617 * 3)
    const form = new FormData()
    form.set('model', 'whisper-1')
    form.set('response_format', 'text')
    form.set('file', new File([wav], 'speech.wav', { type: 'audio/wav' }))
    const raw = await fetch(`${harness.server.url}/v1/audio/transcriptions`, { method: 'POST', headers: { authorization: `Bearer ${key}` }, body: form })
    expect(raw.headers.get('content-type')).toBe('text/plain; charset=UTF-8')
    expect(raw.headers.get('x-oneapi-request-id')).toBeTruthy()
  })

  test('gpt-4o-transcribe reports token usage, which is billed instead of the duration', async () => {
    const result = await harness.client(key).audio.transcriptions.create({ file: await upload(), model: 'gpt-4o-transcribe' })
    const usage = mockTranscriptionUsage(wav.length, '')
    expect(result.usage).toEqual(usage as never)
    const row = await lastRow('gpt-4o-transcribe')
    expect(row.prompt_tokens).toBe(usage.input_tokens)
    expect(row.completion_tokens).toBe(usage.output_tokens)
    // round((57 audio tokens + 15 output tokens × completion ratio 4) × model ratio 1.25) = 146
    expect(row.quota).toBe(Math.round((usage.input_tokens + usage.output_tokens * 4) * 1.25))
    expect(row.quota).toBe(146)
    expect(row.other.billed_for).toEqual({ seconds: 4, usage_tokens: true })
  })

  test('stream: true passes transcript.text events through and bills the usage of the done event', async () => {
    const stream = await harness.client(key).audio.transcriptions.create({ file: await upload(), model: 'gpt-4o-transcribe', stream: true })
    const events: { type: string; delta?: string; text?: string }[] = []
    for await (const event of stream) events.push(event as never)
    const deltas = events.filter((event) => event.type === 'transcript.text.delta').map((event) => event.delta).join('')
    const done = events.at(-1)!
    expect(done.type).toBe('transcript.text.done')
    expect(deltas).toBe(done.text!)
    const row = await lastRow('gpt-4o-transcribe')
    expect(row.is_stream).toBe(true)
    expect(row.quota).toBe(146)
  })

  test('stream: true to a model that does not stream (whisper-1) comes back as the JSON the upstream answered', async () => {
    const form = new FormData()
    form.set('model', 'whisper-1')
    form.set('stream', 'true')
    form.set('file', new File([wav], 'speech.wav', { type: 'audio/wav' }))
    const response = await fetch(`${harness.server.url}/v1/audio/transcriptions`, { method: 'POST', headers: { authorization: `Bearer ${key}` }, body: form })
    expect(response.headers.get('content-type')).toStartWith('application/json')
    expect(((await response.json()) as { text: string }).text).toStartWith('Galileo')
    expect((await lastRow('whisper-1')).quota).toBe(201)
  })

  test('translations: same upload and billing, on its own route', async () => {
    seen.length = 0
    const result = await harness.client(key).audio.translations.create({ file: await upload(), model: 'whisper-1' })
    expect(result.text).toStartWith('Galileo')
    expect(seen.map((request) => request.path)).toEqual(['/v1/audio/translations'])
    const row = await lastRow('whisper-1')
    expect(row.other.request_path).toBe('/v1/audio/translations')
    expect(row.quota).toBe(201)
  })

  test('a mapped model is rewritten in the form; the file bytes are forwarded unchanged and the client\'s model is billed', async () => {
    await harness.addChannel({ name: 'mapped', key: 'key-mapped', models: 'whisper-alias', model_mapping: JSON.stringify({ 'whisper-alias': 'whisper-1' }), param_override: JSON.stringify({ temperature: 0.2 }) })
    let received: { model: unknown; temperature: unknown; file: File | string | null } | undefined
    harness.upstream.setOptions({
      onRequest: async (request) => { seen.push(request); return undefined },
    })
    const form = new FormData()
    form.set('model', 'whisper-alias')
    form.set('file', new File([wav], 'speech.wav', { type: 'audio/wav' }))
    seen.length = 0
    const response = await fetch(`${harness.server.url}/v1/audio/transcriptions`, { method: 'POST', headers: { authorization: `Bearer ${key}` }, body: form })
    expect(response.status).toBe(200)
    received = seen[0]!.body as typeof received
    expect(received!.model).toBe('whisper-1')
    expect(received!.temperature).toBe('0.2')
    expect(received!.file).toMatchObject({ filename: 'speech.wav', size: wav.length })
    const row = await lastRow('whisper-alias')
    expect(row.other.upstream_model_name).toBe('whisper-1')
    expect(row.quota).toBe(201)
  })

  test('Azure: the deployment URL with the channel\'s api-version and its api-key header', async () => {
    await harness.addChannel({ type: 3, name: 'azure-audio', key: 'azure-key', models: 'whisper-azure', other: '2024-06-01' })
    await harness.setOption('ModelRatio', { 'whisper-1': 3, 'whisper-alias': 3, 'whisper-azure': 3, 'gpt-4o-transcribe': 1.25, 'tts-1': 7.5, 'gpt-4o-mini-tts': 0.3, 'claude-listens': 1 })
    const hits: MockRequest[] = []
    harness.upstream.setOptions({ onRequest: (request) => { hits.push(request); return request.path.startsWith('/openai/') ? Response.json({ text: 'from azure' }) : undefined } })
    const result = await harness.client(key).audio.transcriptions.create({ file: await upload(), model: 'whisper-azure' })
    expect(result.text).toBe('from azure')
    expect(hits[0]!.path).toBe('/openai/deployments/whisper-azure/audio/transcriptions?api-version=2024-06-01')
    expect(hits[0]!.headers['api-key']).toBe('azure-key')
    expect(hits[0]!.headers['content-type']).toStartWith('multipart/form-data; boundary=')
    expect((await lastRow('whisper-azure')).quota).toBe(201)
    harness.upstream.setOptions({ onRequest: (request) => { seen.push(request); return undefined } })
  })

  test('routing skips a channel whose provider has no audio; with none left, the 503 names the endpoint', async () => {
    await harness.addChannel({ type: 14, name: 'claude', key: 'key-claude', models: 'claude-listens' })
    seen.length = 0
    const form = new FormData()
    form.set('model', 'claude-listens')
    form.set('file', new File([wav], 'speech.wav', { type: 'audio/wav' }))
    const response = await fetch(`${harness.server.url}/v1/audio/transcriptions`, { method: 'POST', headers: { authorization: `Bearer ${key}` }, body: form })
    expect(response.status).toBe(503)
    expect(((await response.json()) as { error: { message: string } }).error.message).toContain('that serves /v1/audio/transcriptions')
    expect(seen).toHaveLength(0)
  })
})

describe('speech', () => {
  test('tts-1: the audio bytes as the upstream sent them, billed per character (code points, not bytes)', async () => {
    const input = 'Hello, wörld! 👋'
    seen.length = 0
    const response = await harness.client(key).audio.speech.create({ model: 'tts-1', voice: 'alloy', input })
    expect(response.headers.get('content-type')).toBe('audio/mpeg')
    expect(new Uint8Array(await response.arrayBuffer())).toEqual(mockSpeechBytes(200) as Uint8Array<ArrayBuffer>)
    expect(seen[0]!.body).toEqual({ model: 'tts-1', voice: 'alloy', input })
    const row = await lastRow('tts-1')
    expect(row.prompt_tokens).toBe(15)
    expect(row.quota).toBe(Math.round(15 * 7.5))
    expect(row.other.billed_for).toEqual({ characters: 15 })
    expect(row.is_stream).toBe(false)
  })

  test('the audio is streamed to the client as it arrives, not after the upstream is done', async () => {
    harness.upstream.setOptions({ chunkCount: 5, chunkIntervalMs: 200, responseBytes: 5000 })
    try {
      const started = performance.now()
      const response = await harness.client(key).audio.speech.create({ model: 'tts-1', voice: 'nova', input: 'slowly', response_format: 'wav' })
      expect(response.headers.get('content-type')).toBe('audio/wav')
      const reader = response.body!.getReader()
      const first = await reader.read()
      const firstAt = performance.now() - started
      let total = first.value!.length
      for (;;) {
        const { value, done } = await reader.read()
        if (done) break
        total += value.length
      }
      const doneAt = performance.now() - started
      expect(total).toBe(5000)
      expect(firstAt).toBeLessThan(doneAt - 600)
    } finally {
      harness.upstream.setOptions({ chunkCount: 8, chunkIntervalMs: 0, responseBytes: 200 })
    }
  })

  test('an audio stream that breaks off mid-way errors the client\'s body rather than ending it as if complete; billed as not completed', async () => {
    harness.upstream.setOptions({
      onRequest: (request) => request.path !== '/v1/audio/speech' ? undefined : new Response(new ReadableStream<Uint8Array>({
        async pull(controller) {
          controller.enqueue(new Uint8Array(4096))
          await Bun.sleep(50)
          controller.error(new Error('upstream cut'))
        },
      }), { headers: { 'content-type': 'audio/mpeg' } }),
    })
    try {
      const response = await fetch(`${harness.server.url}/v1/audio/speech`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify({ model: 'tts-1', voice: 'alloy', input: 'broken' }) })
      expect(response.status).toBe(200)
      expect(await response.arrayBuffer().then(() => 'complete', () => 'failed')).toBe('failed')
      const row = await lastRow('tts-1')
      expect(row.other.client_disconnected).toBe(true)
      expect(row.other.billed_for).toEqual({ characters: 6 })
    } finally {
      harness.upstream.setOptions({ onRequest: (request) => { seen.push(request); return undefined } })
    }
  })

  test('gpt-4o-mini-tts with stream_format sse: events passed through, billed by the usage of speech.audio.done', async () => {
    const input = 'Say this with feeling.'
    const response = await harness.client(key).audio.speech.create({ model: 'gpt-4o-mini-tts', voice: 'coral', input, stream_format: 'sse' })
    expect(response.headers.get('content-type')).toStartWith('text/event-stream')
    const events = (await response.text()).split('\n\n').filter(Boolean).map((block) => JSON.parse(block.slice('data: '.length)) as { type: string; usage?: { input_tokens: number; output_tokens: number } })
    expect(events.filter((event) => event.type === 'speech.audio.delta')).toHaveLength(8)
    const usage = events.at(-1)!.usage!
    const row = await lastRow('gpt-4o-mini-tts')
    expect(row.is_stream).toBe(true)
    expect(row.prompt_tokens).toBe(usage.input_tokens)
    expect(row.completion_tokens).toBe(usage.output_tokens)
    expect(row.quota).toBe(Math.round((usage.input_tokens + usage.output_tokens * 20) * 0.3))
    expect(row.other.billed_for).toEqual({ characters: input.length, usage_tokens: true })
  })
})

describe('flat prices and the documentation', () => {
  test('a model with a ModelPrice pays per call, whatever its length', async () => {
    await harness.addChannel({ name: 'flat', key: 'key-flat', models: 'tts-flat,whisper-flat' })
    await harness.setOption('ModelPrice', { 'tts-flat': 0.01, 'whisper-flat': 0.02 })
    await (await harness.client(key).audio.speech.create({ model: 'tts-flat', voice: 'alloy', input: 'a much longer input than one character' })).arrayBuffer()
    expect((await lastRow('tts-flat')).quota).toBe(5000)
    await harness.client(key).audio.transcriptions.create({ file: await upload(), model: 'whisper-flat' })
    const row = await lastRow('whisper-flat')
    expect(row.quota).toBe(10000)
    expect(row.other.billed_for).toEqual({ seconds: 4 })
  })

  test('the OpenAPI document has the three routes, uploads as multipart/form-data', async () => {
    const document = await (await fetch(`${harness.server.url}/swagger/json`)).json() as { paths: Record<string, { post: { requestBody: { content: Record<string, { schema: { properties: Record<string, unknown> } }> } } }> }
    expect(Object.keys(document.paths['/v1/audio/transcriptions']!.post.requestBody.content)).toEqual(['multipart/form-data'])
    expect(Object.keys(document.paths['/v1/audio/translations']!.post.requestBody.content)).toEqual(['multipart/form-data'])
    expect(document.paths['/v1/audio/transcriptions']!.post.requestBody.content['multipart/form-data']!.schema.properties).toHaveProperty('file')
    expect(Object.keys(document.paths['/v1/audio/speech']!.post.requestBody.content)).toEqual(['application/json'])
    const speechAnswers = (document.paths['/v1/audio/speech']!.post as unknown as { responses: Record<string, { content: Record<string, unknown> }> }).responses['200']!.content
    expect(Object.keys(speechAnswers)).toContain('audio/mpeg')
    expect(Object.keys(speechAnswers)).not.toContain('application/json')
  })
})

describe('bad input is refused before anything is reserved or sent, naming the field', () => {
  async function refused(path: string, body: BodyInit, contentType?: string) {
    seen.length = 0
    const response = await fetch(`${harness.server.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${key}`, ...(contentType ? { 'content-type': contentType } : {}) }, body })
    expect(seen).toHaveLength(0)
    return { status: response.status, message: ((await response.json()) as { error: { message: string } }).error.message }
  }
  const formWith = (fields: Record<string, string | File>) => {
    const form = new FormData()
    for (const [name, value] of Object.entries(fields)) form.set(name, value)
    return form
  }

  test('an upload without its file, with an unknown response_format, or with a file that is not audio', async () => {
    const missing = await refused('/v1/audio/transcriptions', formWith({ model: 'whisper-1' }))
    expect(missing).toEqual({ status: 400, message: expect.stringContaining('"file" is required') })
    const format = await refused('/v1/audio/transcriptions', formWith({ model: 'whisper-1', response_format: 'docx', file: new File([wav], 'a.wav') }))
    expect(format).toEqual({ status: 400, message: expect.stringContaining('"response_format" must be one of json, text, srt, verbose_json, vtt') })
    const notAudio = await refused('/v1/audio/translations', formWith({ model: 'whisper-1', file: new File(['just some text'], 'notes.txt', { type: 'text/plain' }) }))
    expect(notAudio).toEqual({ status: 400, message: expect.stringContaining('"file" ("notes.txt") is not audio') })
    const json = await refused('/v1/audio/transcriptions', JSON.stringify({ model: 'whisper-1' }), 'application/json')
    expect(json).toEqual({ status: 400, message: expect.stringContaining('must be multipart/form-data') })
  })

  test('speech without input or voice, or with an unknown format', async () => {
    expect(await refused('/v1/audio/speech', JSON.stringify({ model: 'tts-1', voice: 'alloy' }), 'application/json')).toEqual({ status: 400, message: expect.stringContaining('"input" is required') })
    expect(await refused('/v1/audio/speech', JSON.stringify({ model: 'tts-1', input: 'hi' }), 'application/json')).toEqual({ status: 400, message: expect.stringContaining('"voice" is required') })
    expect(await refused('/v1/audio/speech', JSON.stringify({ model: 'tts-1', input: 'hi', voice: 'alloy', response_format: 'mp4' }), 'application/json')).toEqual({ status: 400, message: expect.stringContaining('"response_format" must be one of mp3') })
    expect(await refused('/v1/audio/speech', JSON.stringify({ model: 'tts-1', input: 'hi', voice: 'alloy', stream_format: 'chunks' }), 'application/json')).toEqual({ status: 400, message: expect.stringContaining('"stream_format"') })
  })

  test('a file over MAX_REQUEST_BODY_MB is refused with 413', async () => {
    seen.length = 0
    const error = await harness.client(key).audio.transcriptions.create({ file: await upload(wavFile(70, 8000)), model: 'whisper-1' }).catch((caught: { status?: number; message?: string }) => caught)
    expect((error as { status?: number }).status).toBe(413)
    expect((error as { message?: string }).message).toContain('more than the 1 MB this gateway accepts (MAX_REQUEST_BODY_MB)')
    expect(seen).toHaveLength(0)
  })
})
