import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { readdirSync, readFileSync } from 'node:fs'
import { encodeEventStreamMessage, fixturesDirectory, inferFraming, splitText, startMockUpstream } from './mock-upstream.ts'
import type { MockUpstream } from './mock-upstream.ts'

interface ParsedEvent {
  event?: string
  data: string
}

/** A deliberately simple SSE reader: blank-line separated blocks of `field: value` lines. */
function parseSse(text: string): ParsedEvent[] {
  const events: ParsedEvent[] = []
  for (const block of text.split('\n\n')) {
    if (block.trim() === '') continue
    const parsed: ParsedEvent = { data: '' }
    const dataLines: string[] = []
    for (const line of block.split('\n')) {
      if (line.startsWith('event: ')) parsed.event = line.slice(7)
      else if (line.startsWith('data: ')) dataLines.push(line.slice(6))
      else throw new Error(`unexpected SSE line: ${line.slice(0, 80)}`)
    }
    parsed.data = dataLines.join('\n')
    events.push(parsed)
  }
  return events
}

/** Decodes AWS eventstream messages and checks both CRCs, so a framing mistake fails the test. */
function decodeEventStream(bytes: Uint8Array): { headers: Record<string, string>; payload: string }[] {
  const messages: { headers: Record<string, string>; payload: string }[] = []
  const decoder = new TextDecoder()
  let offset = 0
  while (offset < bytes.length) {
    const view = new DataView(bytes.buffer, bytes.byteOffset + offset)
    const totalLength = view.getUint32(0)
    const headersLength = view.getUint32(4)
    const message = bytes.subarray(offset, offset + totalLength)
    expect(view.getUint32(8)).toBe(Bun.hash.crc32(message.subarray(0, 8)))
    expect(view.getUint32(totalLength - 4)).toBe(Bun.hash.crc32(message.subarray(0, totalLength - 4)))
    const headers: Record<string, string> = {}
    let position = 12
    while (position < 12 + headersLength) {
      const nameLength = message[position]!
      const name = decoder.decode(message.subarray(position + 1, position + 1 + nameLength))
      position += 1 + nameLength
      expect(message[position]).toBe(7)
      const valueLength = new DataView(message.buffer, message.byteOffset + position + 1).getUint16(0)
      headers[name] = decoder.decode(message.subarray(position + 3, position + 3 + valueLength))
      position += 3 + valueLength
    }
    messages.push({ headers, payload: decoder.decode(message.subarray(12 + headersLength, totalLength - 4)) })
    offset += totalLength
  }
  return messages
}

const fixtureLines = (relativePath: string) =>
  readFileSync(`${fixturesDirectory()}${relativePath}`, 'utf8').split('\n').filter((line) => line.trim() !== '')

const post = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) })

let mock: MockUpstream

beforeAll(async () => {
  mock = await startMockUpstream()
})
afterAll(async () => {
  await mock.stop()
})

describe('replay framing of every recorded stream', () => {
  const chunkFiles: string[] = []
  for (const folder of readdirSync(fixturesDirectory(), { withFileTypes: true })) {
    if (!folder.isDirectory()) continue
    for (const file of readdirSync(`${fixturesDirectory()}${folder.name}`)) {
      if (file.endsWith('.chunks.txt')) chunkFiles.push(`${folder.name}/${file}`)
    }
  }

  test('the fixtures folder holds every family', () => {
    const families = new Set(chunkFiles.map((file) => file.split('/')[0]))
    for (const family of ['openai-chat', 'openai-responses', 'anthropic', 'google', 'bedrock', 'cohere', 'mistral', 'deepseek', 'openai-compatible']) {
      expect(families.has(family)).toBe(true)
    }
  })

  afterAll(() => mock.setOptions({ replay: undefined }))

  for (const file of chunkFiles) {
    test(file, async () => {
      mock.setOptions({ replay: file })
      const response = await post(`${mock.url}/v1/chat/completions`, { model: 'x', stream: true })
      const lines = fixtureLines(file)
      const framing = inferFraming(file)
      if (framing === 'eventstream') {
        expect(response.headers.get('content-type')).toBe('application/vnd.amazon.eventstream')
        const messages = decodeEventStream(new Uint8Array(await response.arrayBuffer()))
        expect(messages.length).toBe(lines.length)
        messages.forEach((message, index) => {
          const recorded = JSON.parse(lines[index]!) as Record<string, unknown>
          const eventType = Object.keys(recorded)[0]!
          expect(message.headers).toEqual({ ':event-type': eventType, ':content-type': 'application/json', ':message-type': 'event' })
          expect(JSON.parse(message.payload)).toEqual(recorded[eventType])
        })
        return
      }
      expect(response.headers.get('content-type')).toBe('text/event-stream')
      const events = parseSse(await response.text())
      if (framing === 'openai') {
        expect(events.at(-1)).toEqual({ data: '[DONE]' })
        events.pop()
      } else {
        expect(events.some((event) => event.data === '[DONE]')).toBe(false)
      }
      expect(events.map((event) => event.data)).toEqual(lines)
      for (const event of events) {
        if (framing === 'typed-events') expect(event.event).toBe((JSON.parse(event.data) as { type: string }).type)
        else expect(event.event).toBeUndefined()
      }
    })
  }

  test('family framings are the ones the README prescribes', () => {
    expect(inferFraming('openai-chat/openai-text.chunks.txt')).toBe('openai')
    expect(inferFraming('deepseek/deepseek-tool-call.chunks.txt')).toBe('openai')
    expect(inferFraming('anthropic/anthropic-text.chunks.txt')).toBe('typed-events')
    expect(inferFraming('openai-responses/azure-tool-call.1.chunks.txt')).toBe('typed-events')
    expect(inferFraming('google/google-text.chunks.txt')).toBe('data-only')
    expect(inferFraming('bedrock/amazon-bedrock-text.chunks.txt')).toBe('eventstream')
  })

  test('a JSON fixture is served byte for byte with the configured status', async () => {
    mock.setOptions({ replay: 'openai-responses/openai-error.1.json', replayStatus: 429 })
    const response = await post(`${mock.url}/v1/responses`, { model: 'x' })
    expect(response.status).toBe(429)
    expect(await response.text()).toBe(readFileSync(`${fixturesDirectory()}openai-responses/openai-error.1.json`, 'utf8'))
    mock.setOptions({ replay: undefined, replayStatus: undefined })
  })

  test('a missing fixture fails loudly', async () => {
    mock.setOptions({ replay: 'openai-chat/no-such-file.chunks.txt' })
    try {
      const response = await post(`${mock.url}/v1/chat/completions`, { model: 'x', stream: true })
      expect(response.status).toBe(500)
      expect(((await response.json()) as { error: { message: string } }).error.message).toContain('no-such-file')
    } finally {
      mock.setOptions({ replay: undefined })
    }
  })

  test('FIXTURES_DIR overrides the fixtures folder', () => {
    const previous = process.env.FIXTURES_DIR
    process.env.FIXTURES_DIR = '/somewhere/else'
    try {
      expect(fixturesDirectory()).toBe('/somewhere/else/')
    } finally {
      if (previous === undefined) delete process.env.FIXTURES_DIR
      else process.env.FIXTURES_DIR = previous
    }
    expect(fixturesDirectory().endsWith('/src/testing/fixtures/upstream/')).toBe(true)
  })
})

describe('generated OpenAI responses', () => {
  test('non-stream chat carries the requested model, sized content and usage', async () => {
    mock.setOptions({ responseBytes: 333, omitUsage: false })
    const response = await post(`${mock.url}/v1/chat/completions`, { model: 'gpt-bench', messages: [{ role: 'user', content: 'hi' }] })
    const body = (await response.json()) as { model: string; choices: { message: { content: string } }[]; usage?: { prompt_tokens: number; completion_tokens: number } }
    expect(body.model).toBe('gpt-bench')
    expect(body.choices[0]!.message.content.length).toBe(333)
    expect(body.usage!.completion_tokens).toBe(Math.ceil(333 / 4))
    expect(body.usage!.prompt_tokens).toBeGreaterThan(0)
  })

  test('omitUsage leaves usage out of non-stream and stream answers', async () => {
    mock.setOptions({ omitUsage: true, chunkCount: 4 })
    const plain = (await (await post(`${mock.url}/v1/chat/completions`, { model: 'm' })).json()) as Record<string, unknown>
    expect('usage' in plain).toBe(false)
    const streamed = parseSse(await (await post(`${mock.url}/v1/chat/completions`, { model: 'm', stream: true, stream_options: { include_usage: true } })).text())
    const chunks = streamed.filter((event) => event.data !== '[DONE]').map((event) => JSON.parse(event.data) as { usage?: unknown })
    expect(chunks.some((chunk) => chunk.usage !== null && chunk.usage !== undefined)).toBe(false)
    mock.setOptions({ omitUsage: false })
  })

  test('a stream has chunkCount content chunks, a finish chunk, usage when asked, then [DONE]', async () => {
    mock.setOptions({ responseBytes: 640, chunkCount: 64 })
    const events = parseSse(await (await post(`${mock.url}/v1/chat/completions`, { model: 'm', stream: true, stream_options: { include_usage: true } })).text())
    expect(events.at(-1)!.data).toBe('[DONE]')
    const chunks = events.slice(0, -1).map((event) => JSON.parse(event.data) as { choices: { delta: { content?: string; role?: string }; finish_reason: string | null }[]; usage: { completion_tokens: number } | null })
    const contentChunks = chunks.filter((chunk) => chunk.choices[0]?.delta.content)
    expect(contentChunks.length).toBe(64)
    expect(contentChunks.map((chunk) => chunk.choices[0]!.delta.content).join('').length).toBe(640)
    expect(chunks[0]!.choices[0]!.delta.role).toBe('assistant')
    expect(chunks.at(-2)!.choices[0]!.finish_reason).toBe('stop')
    expect(chunks.at(-1)!.choices).toEqual([])
    expect(chunks.at(-1)!.usage!.completion_tokens).toBe(160)

    const withoutUsage = parseSse(await (await post(`${mock.url}/v1/chat/completions`, { model: 'm', stream: true })).text())
    expect(withoutUsage.length).toBe(64 + 3)
  })

  test('legacy completions, embeddings, models and billing answer in OpenAI shapes', async () => {
    mock.setOptions({ responseBytes: 50, chunkCount: 5 })
    const completion = (await (await post(`${mock.url}/v1/completions`, { model: 'gpt-3.5-turbo-instruct', prompt: 'x' })).json()) as { object: string; choices: { text: string }[] }
    expect(completion.object).toBe('text_completion')
    expect(completion.choices[0]!.text.length).toBe(50)
    const completionStream = parseSse(await (await post(`${mock.url}/v1/completions`, { model: 'i', prompt: 'x', stream: true })).text())
    expect(completionStream.length).toBe(5 + 2)

    const embeddings = (await (await post(`${mock.url}/v1/embeddings`, { model: 'e', input: ['a', 'b'], dimensions: 8 })).json()) as { data: { embedding: number[]; index: number }[]; usage: { prompt_tokens: number } }
    expect(embeddings.data.map((item) => item.index)).toEqual([0, 1])
    expect(embeddings.data[0]!.embedding.length).toBe(8)
    expect(embeddings.usage.prompt_tokens).toBeGreaterThan(0)

    const models = (await (await fetch(`${mock.url}/v1/models`)).json()) as { data: { id: string }[] }
    expect(models.data.map((model) => model.id)).toContain('gpt-4o-mini')
    const subscription = (await (await fetch(`${mock.url}/v1/dashboard/billing/subscription`)).json()) as { hard_limit_usd: number }
    expect(subscription.hard_limit_usd).toBe(100)
    const usage = (await (await fetch(`${mock.url}/v1/dashboard/billing/usage`)).json()) as { total_usage: number }
    expect(usage.total_usage).toBe(1234.5)
  })

  test('an unknown route is a 404 in the OpenAI error shape', async () => {
    const response = await post(`${mock.url}/v1/nothing`, {})
    expect(response.status).toBe(404)
    expect(((await response.json()) as { error: { message: string } }).error.message).toContain('/v1/nothing')
  })
})

describe('generated Anthropic and Gemini responses', () => {
  test('Anthropic stream sends typed events in protocol order with usage', async () => {
    mock.setOptions({ responseBytes: 90, chunkCount: 3, omitUsage: false })
    const events = parseSse(await (await post(`${mock.url}/v1/messages`, { model: 'claude-x', stream: true, max_tokens: 10 })).text())
    expect(events.map((event) => event.event)).toEqual([
      'message_start', 'content_block_start', 'ping', 'content_block_delta', 'content_block_delta', 'content_block_delta',
      'content_block_stop', 'message_delta', 'message_stop',
    ])
    for (const event of events) expect((JSON.parse(event.data) as { type: string }).type).toBe(event.event!)
    const start = JSON.parse(events[0]!.data) as { message: { model: string; usage: { input_tokens: number } } }
    expect(start.message.model).toBe('claude-x')
    expect(start.message.usage.input_tokens).toBeGreaterThan(0)
    const delta = JSON.parse(events[7]!.data) as { usage: { output_tokens: number } }
    expect(delta.usage.output_tokens).toBe(Math.ceil(90 / 4))
    const text = events.filter((event) => event.event === 'content_block_delta').map((event) => (JSON.parse(event.data) as { delta: { text: string } }).delta.text).join('')
    expect(text.length).toBe(90)
  })

  test('Anthropic non-stream and omitUsage', async () => {
    mock.setOptions({ omitUsage: true })
    const body = (await (await post(`${mock.url}/v1/messages`, { model: 'c', max_tokens: 5 })).json()) as Record<string, unknown>
    expect(body.type).toBe('message')
    expect('usage' in body).toBe(false)
    const events = parseSse(await (await post(`${mock.url}/v1/messages`, { model: 'c', stream: true })).text())
    expect(events.some((event) => event.data.includes('"usage"'))).toBe(false)
    mock.setOptions({ omitUsage: false })
    const withUsage = (await (await post(`${mock.url}/v1/messages`, { model: 'c', max_tokens: 5 })).json()) as { usage: { output_tokens: number } }
    expect(withUsage.usage.output_tokens).toBeGreaterThan(0)
  })

  test('Gemini generateContent and streamGenerateContent?alt=sse', async () => {
    mock.setOptions({ responseBytes: 40, chunkCount: 4 })
    const plain = (await (await post(`${mock.url}/v1beta/models/gemini-2.5-flash:generateContent`, { contents: [] })).json()) as { candidates: { finishReason: string }[]; modelVersion: string; usageMetadata: { candidatesTokenCount: number } }
    expect(plain.candidates[0]!.finishReason).toBe('STOP')
    expect(plain.modelVersion).toBe('gemini-2.5-flash')
    expect(plain.usageMetadata.candidatesTokenCount).toBe(10)
    const events = parseSse(await (await post(`${mock.url}/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse`, { contents: [] })).text())
    expect(events.length).toBe(4)
    expect(events.every((event) => event.event === undefined)).toBe(true)
    const last = JSON.parse(events[3]!.data) as { candidates: { finishReason: string }[]; usageMetadata: { candidatesTokenCount: number } }
    expect(last.candidates[0]!.finishReason).toBe('STOP')
    expect(last.usageMetadata.candidatesTokenCount).toBe(10)
    expect(mock.lastRequest!.path).toBe('/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse')
  })
})

describe('failure, latency, pacing and hooks', () => {
  test('failureRate 1 answers failureStatus in each family shape; 0 never fails', async () => {
    mock.setOptions({ failureRate: 1, failureStatus: 503 })
    const openai = await post(`${mock.url}/v1/chat/completions`, { model: 'm' })
    expect(openai.status).toBe(503)
    expect(((await openai.json()) as { error: { type: string } }).error.type).toBe('server_error')
    const anthropic = await post(`${mock.url}/v1/messages`, { model: 'c' })
    expect(anthropic.status).toBe(503)
    expect(((await anthropic.json()) as { type: string }).type).toBe('error')
    const gemini = await post(`${mock.url}/v1beta/models/g:generateContent`, {})
    expect(((await gemini.json()) as { error: { code: number } }).error.code).toBe(503)
    mock.setOptions({ failureRate: 0 })
    const statuses = await Promise.all(Array.from({ length: 20 }, () => post(`${mock.url}/v1/chat/completions`, { model: 'm' }).then((response) => response.status)))
    expect(new Set(statuses)).toEqual(new Set([200]))
  })

  test('failureRate 0.5 fails some and not all', async () => {
    mock.setOptions({ failureRate: 0.5, failureStatus: 500 })
    const statuses = await Promise.all(Array.from({ length: 60 }, () => post(`${mock.url}/v1/chat/completions`, { model: 'm' }).then((response) => response.status)))
    mock.setOptions({ failureRate: 0 })
    const failed = statuses.filter((status) => status === 500).length
    expect(failed).toBeGreaterThan(5)
    expect(failed).toBeLessThan(55)
  })

  test('latencyMs and jitterMs delay the response headers', async () => {
    mock.setOptions({ latencyMs: 60, jitterMs: 40 })
    const started = performance.now()
    await post(`${mock.url}/v1/chat/completions`, { model: 'm' })
    const elapsed = performance.now() - started
    mock.setOptions({ latencyMs: 0, jitterMs: 0 })
    expect(elapsed).toBeGreaterThanOrEqual(58)
    expect(elapsed).toBeLessThan(400)
    const quickStart = performance.now()
    await post(`${mock.url}/v1/chat/completions`, { model: 'm' })
    expect(performance.now() - quickStart).toBeLessThan(50)
  })

  test('chunkIntervalMs spaces the stream events out', async () => {
    mock.setOptions({ chunkCount: 4, chunkIntervalMs: 25 })
    const started = performance.now()
    const response = await post(`${mock.url}/v1/chat/completions`, { model: 'm', stream: true })
    const reader = response.body!.getReader()
    const arrivals: number[] = []
    for (;;) {
      const { done } = await reader.read()
      if (done) break
      arrivals.push(performance.now() - started)
    }
    mock.setOptions({ chunkIntervalMs: 0 })
    // 4 content chunks + role + finish + [DONE] = 7 events, 6 pauses.
    expect(arrivals.at(-1)!).toBeGreaterThanOrEqual(6 * 25 - 5)
    expect(arrivals.length).toBeGreaterThanOrEqual(4)
  })

  test('onRequest makes channel A fail and lets channel B through; lastRequest and requests record it', async () => {
    const before = mock.requests
    mock.setOptions({
      onRequest: (request) => (request.headers.authorization === 'Bearer key-a' ? Response.json({ error: { message: 'a is down' } }, { status: 500 }) : undefined),
    })
    const failing = await post(`${mock.url}/v1/chat/completions`, { model: 'm' }, { authorization: 'Bearer key-a' })
    expect(failing.status).toBe(500)
    const passing = await post(`${mock.url}/v1/chat/completions`, { model: 'm', messages: [{ role: 'user', content: 'b' }] }, { authorization: 'Bearer key-b' })
    expect(passing.status).toBe(200)
    mock.setOptions({ onRequest: undefined })
    expect(mock.requests).toBe(before + 2)
    const last = mock.lastRequest!
    expect(last.path).toBe('/v1/chat/completions')
    expect(last.method).toBe('POST')
    expect(last.headers.authorization).toBe('Bearer key-b')
    expect(last.body).toEqual({ model: 'm', messages: [{ role: 'user', content: 'b' }] })
  })

  test('the control route changes options of a running mock and does not count as a request', async () => {
    const before = mock.requests
    const answer = await post(`${mock.url}/__mock/options`, { responseBytes: 12 })
    expect(((await answer.json()) as { responseBytes: number }).responseBytes).toBe(12)
    const body = (await (await post(`${mock.url}/v1/chat/completions`, { model: 'm' })).json()) as { choices: { message: { content: string } }[] }
    expect(body.choices[0]!.message.content.length).toBe(12)
    const stats = (await (await fetch(`${mock.url}/__mock/stats`)).json()) as { requests: number }
    expect(stats.requests).toBe(before + 1)
  })
})

describe('helpers', () => {
  test('splitText keeps every byte and spreads the remainder', () => {
    const pieces = splitText('abcdefghij', 3)
    expect(pieces).toEqual(['abcd', 'efg', 'hij'])
    expect(splitText('', 2)).toEqual(['', ''])
  })

  test('encodeEventStreamMessage round-trips through the decoder', () => {
    const bytes = encodeEventStreamMessage({ ':event-type': 'metadata' }, new TextEncoder().encode('{"a":1}'))
    expect(decodeEventStream(bytes)).toEqual([{ headers: { ':event-type': 'metadata' }, payload: '{"a":1}' }])
  })

  test('the standalone CLI prints its address and serves', async () => {
    const child = Bun.spawn(['bun', `${import.meta.dir}/mock-upstream.ts`, '--port', '0', '--latency', '0', '--bytes', '7'], { stdout: 'pipe' })
    try {
      const reader = child.stdout.getReader()
      const { value } = await reader.read()
      const address = JSON.parse(new TextDecoder().decode(value).split('\n')[0]!) as { url: string }
      const body = (await (await post(`${address.url}/v1/chat/completions`, { model: 'm' })).json()) as { choices: { message: { content: string } }[] }
      expect(body.choices[0]!.message.content).toBe('The qui')
    } finally {
      child.kill()
      await child.exited
    }
  })
})
