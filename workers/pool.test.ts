import { afterAll, afterEach, beforeAll, describe, expect, test } from 'bun:test'
import { encode } from 'gpt-tokenizer/encoding/cl100k_base'
import type { SseEvent, StreamConversionSpec } from '../src/providers/types.ts'
import type { TokenCounter } from '../src/relay/token-counter.ts'
import { countChatPromptTokens } from './count-chat-tokens.ts'
import { createWorkerPool, type WorkerPool, type WorkerPoolOptions } from './pool.ts'
import type { MediaOptions } from './protocol.ts'
import { pngHeader } from './testing/image-bytes.ts'

// gpt-4 (cl100k) loads its encoding in half the time of o200k; every fresh worker in these tests pays that once.
const model = 'gpt-4'
const tokens = (text: string) => encode(text).length

let server: ReturnType<typeof Bun.serve>
let base = ''
const imageHits: string[] = []

beforeAll(() => {
  server = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    async fetch(request) {
      const url = new URL(request.url)
      imageHits.push(url.searchParams.get('tag') ?? url.pathname)
      await Bun.sleep(Number(url.searchParams.get('delay') ?? 0))
      return new Response(pngHeader(1024, 1024), { headers: { 'content-type': 'image/png' } })
    },
  })
  base = `http://127.0.0.1:${server.port}`
})
afterAll(() => server.stop(true))

const media: MediaOptions = { getMediaToken: true, getMediaTokenNotStream: true, maxFileDownloadMb: 5, geminiVisionMaxImageNum: 16, fetchTimeoutMs: 5000, allowPrivateHosts: ['127.0.0.1'] }
const pools: WorkerPool[] = []
function makePool(options: Partial<WorkerPoolOptions> = {}): WorkerPool {
  const pool = createWorkerPool({ size: 1, media, ...options })
  pools.push(pool)
  return pool
}
afterEach(async () => {
  await Promise.all(pools.splice(0).map((pool) => pool.close()))
})

/** A chat whose count waits on a slow image download: keeps a worker busy without burning CPU. */
function slowImageChat(tag: string, delayMs: number): Record<string, unknown> {
  return { messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: `${base}/image.png?tag=${tag}&delay=${delayMs}` } }] }] }
}
const slowImageTokens = 3 + tokens('user') + 765 + 3

async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await Bun.sleep(5)
  }
}

describe('WorkerPool counts', () => {
  test('a count in a worker equals the same count in process', async () => {
    // The relay's contract, checked by the compiler: the pool is its token counter.
    const pool: TokenCounter = makePool()
    const body = { messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hello there, how are you?', name: 'bob' }], tools: [{ type: 'function', function: { name: 'noop' } }] }
    const inProcess = await countChatPromptTokens(model, body, { media, stream: false })
    expect(await pool.countChatPromptTokens(model, body)).toEqual(inProcess)
    expect(await pool.countTextTokens(model, ['one', 'two three'])).toEqual({ tokens: tokens('one') + tokens('two three'), estimated: false })
  })

  test('a body that cannot be sent to a worker is estimated, not thrown', async () => {
    const pool = makePool()
    const result = await pool.countChatPromptTokens(model, { messages: [{ role: 'user', content: 'abcdabcd' }], callback: () => {} })
    expect(result).toMatchObject({ tokens: 3 + 4 + 2, estimated: true })
    expect(result.warnings?.[0]).toMatch(/not-cloneable/)
    expect(await pool.countTextTokens(model, 'next')).toEqual({ tokens: tokens('next'), estimated: false })
  })

  test('workers start lazily by default, at creation with eagerStart', async () => {
    const lazy = makePool({ size: 2 })
    expect(lazy.stats().started).toBe(0)
    await lazy.countTextTokens(model, 'hi')
    expect(lazy.stats().started).toBe(1)
    const eager = makePool({ size: 2, eagerStart: true })
    expect(eager.stats().started).toBe(2)
  })

  test('a full queue answers at once with an estimate; queued work still completes exactly', async () => {
    const pool = makePool({ size: 1, queueLimit: 1 })
    const running = pool.countChatPromptTokens(model, slowImageChat('queue-a', 600), { stream: true })
    const queued = pool.countTextTokens(model, 'waits its turn')
    expect(pool.stats()).toMatchObject({ busy: 1, queued: 1 })
    const started = performance.now()
    const overflow = await pool.countTextTokens(model, 'abcd'.repeat(25))
    expect(performance.now() - started).toBeLessThan(50)
    expect(overflow).toEqual({ tokens: 25, estimated: true, warnings: ['queue-full'] })
    expect(await running).toEqual({ tokens: slowImageTokens, estimated: false })
    expect(await queued).toEqual({ tokens: tokens('waits its turn'), estimated: false })
  })

  test('a worker killed mid-task is replaced and the task retried: no lost task', async () => {
    const pool = makePool({ size: 1 })
    const killed = pool.countChatPromptTokens(model, slowImageChat('kill-once', 500), { stream: true })
    const behind = pool.countTextTokens(model, 'queued behind the victim')
    await waitFor(() => imageHits.includes('kill-once'))
    expect(pool.stats().busy).toBe(1)
    expect(pool.terminateWorker(0)).toBe(true)
    expect(await killed).toEqual({ tokens: slowImageTokens, estimated: false })
    expect(await behind).toEqual({ tokens: tokens('queued behind the victim'), estimated: false })
    expect(imageHits.filter((tag) => tag === 'kill-once').length).toBe(2)
    expect(pool.stats().restarts).toBe(1)
  })

  test('a task whose retry dies too is estimated, not lost', async () => {
    const pool = makePool({ size: 1 })
    const killed = pool.countChatPromptTokens(model, slowImageChat('kill-twice', 2000), { stream: true })
    await waitFor(() => imageHits.includes('kill-twice'))
    pool.terminateWorker(0)
    await waitFor(() => imageHits.filter((tag) => tag === 'kill-twice').length === 2)
    pool.terminateWorker(0)
    const result = await killed
    expect(result.estimated).toBe(true)
    expect(result.warnings).toEqual(['worker-died'])
    expect(result.tokens).toBe(3 + 4 + 255)
    expect(pool.stats().restarts).toBe(2)
    // The pool still works afterwards.
    expect(await pool.countTextTokens(model, 'still alive')).toEqual({ tokens: tokens('still alive'), estimated: false })
  })

  test('a count past taskTimeoutMs is estimated; a worker that was only waiting on I/O is kept', async () => {
    const pool = makePool({ size: 1, taskTimeoutMs: 300 })
    await pool.countTextTokens(model, 'warm up')
    await waitFor(() => pool.stats().busy === 0)
    const started = performance.now()
    const result = await pool.countChatPromptTokens(model, slowImageChat('timeout', 3000), { stream: true })
    expect(performance.now() - started).toBeLessThan(1500)
    expect(result).toMatchObject({ estimated: true, warnings: ['worker-timeout'] })
    expect(await pool.countTextTokens(model, 'next one')).toEqual({ tokens: tokens('next one'), estimated: false })
    expect(pool.stats().restarts).toBe(0)
  })

  test('a worker stuck in computation past the timeout is replaced', async () => {
    const pool = makePool({ size: 1, taskTimeoutMs: 100 })
    // The first count loads the encoding (slower than 100 ms): it is estimated, and the worker finishes loading.
    await pool.countTextTokens('gpt-4o', 'warm up')
    await waitFor(() => pool.stats().busy === 0)
    // 8 MB of base64: every piece is short, so the long-piece guard does not apply and BPE needs seconds.
    const bytes = new Uint8Array(6_000_000)
    for (let index = 0, seed = 7; index < bytes.length; index++) {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff
      bytes[index] = seed >> 16
    }
    const started = performance.now()
    const result = await pool.countTextTokens('gpt-4o', Buffer.from(bytes).toString('base64'))
    expect(performance.now() - started).toBeLessThan(1000)
    expect(result).toMatchObject({ estimated: true, warnings: ['worker-timeout'] })
    await waitFor(() => pool.stats().restarts === 1, 3000)
    // A replacement worker takes the next count (with a 100 ms limit it may still be loading its encoding).
    expect((await pool.countTextTokens(model, 'fresh worker')).tokens).toBeGreaterThan(0)
    expect(pool.stats().started).toBe(1)
  })

  test('abort rejects a queued or running count and frees its place', async () => {
    const pool = makePool({ size: 1 })
    const runningController = new AbortController()
    const running = pool.countChatPromptTokens(model, slowImageChat('abort-running', 400), { stream: true, signal: runningController.signal })
    const queuedController = new AbortController()
    const queued = pool.countChatPromptTokens(model, { messages: [] }, { signal: queuedController.signal })
    expect(pool.stats().queued).toBe(1)
    queuedController.abort()
    await expect(queued).rejects.toThrow(/aborted/i)
    expect(pool.stats().queued).toBe(0)
    await waitFor(() => imageHits.includes('abort-running'))
    runningController.abort()
    await expect(running).rejects.toThrow(/aborted/i)
    expect(await pool.countTextTokens(model, 'after aborts')).toEqual({ tokens: tokens('after aborts'), estimated: false })
    const already = new AbortController()
    already.abort()
    await expect(pool.countTextTokens(model, 'x', { signal: already.signal })).rejects.toThrow(/aborted/i)
  })

  test('close settles running and queued counts with estimates, and later counts too', async () => {
    const pool = makePool({ size: 1 })
    const running = pool.countChatPromptTokens(model, slowImageChat('close', 2000), { stream: true })
    const queued = pool.countTextTokens(model, 'abcdabcd')
    await waitFor(() => imageHits.includes('close'))
    await pool.close()
    expect(await running).toMatchObject({ estimated: true, warnings: ['pool-closed'] })
    expect(await queued).toEqual({ tokens: 2, estimated: true, warnings: ['pool-closed'] })
    expect(await pool.countTextTokens(model, 'abcd')).toEqual({ tokens: 1, estimated: true, warnings: ['pool-closed'] })
    expect(pool.stats().started).toBe(0)
  })
})

const testConversionModule = new URL('./testing/numbering-conversion.ts', import.meta.url).href
const spec = (overrides: Partial<StreamConversionSpec> = {}): StreamConversionSpec => ({
  provider: 'numbering',
  inbound: 'openai-chat',
  target: { baseUrl: 'https://upstream.test', model: 'm', stream: true, other: '', setting: {}, channelType: 1 },
  model: 'm',
  id: 'conv-1',
  ...overrides,
})
const data = (...values: string[]): SseEvent[] => values.map((value) => ({ data: value }))

describe('WorkerPool stream conversions', () => {
  test('push and flush run the conversion in a worker, conversions keep separate state', async () => {
    const pool = makePool({ size: 2, conversionModule: testConversionModule })
    const first = pool.runStreamConversion(spec({ id: 'first' }))
    const second = pool.runStreamConversion(spec({ id: 'second' }))
    expect(await first.push(data('a', 'b'))).toEqual(data('1:A', '2:B'))
    expect(await second.push(data('x'))).toEqual(data('1:X'))
    expect(await first.push(data('c'))).toEqual(data('3:C'))
    expect(pool.stats().streams).toBe(2)
    const flushed = await first.flush()
    expect(flushed.events).toEqual(data('first:done'))
    expect(flushed.usage?.outputTokens).toBe(3)
    expect(flushed.upstreamError).toBeNull()
    expect(pool.stats().streams).toBe(1)
    await expect(first.push(data('late'))).rejects.toThrow(/already finished/)
  })

  test('a conversion whose worker died is rebuilt by replaying what it was pushed', async () => {
    const pool = makePool({ size: 1, conversionModule: testConversionModule })
    const conversion = pool.runStreamConversion(spec())
    expect(await conversion.push(data('a', 'b'))).toEqual(data('1:A', '2:B'))
    pool.terminateWorker(0)
    await waitFor(() => pool.stats().restarts === 1)
    expect(await conversion.push(data('c'))).toEqual(data('3:C'))
    expect((await conversion.flush()).usage?.outputTokens).toBe(3)
  })

  test('a push in flight when its worker dies is answered after the rebuild', async () => {
    const pool = makePool({ size: 1, conversionModule: testConversionModule })
    const conversion = pool.runStreamConversion(spec())
    await conversion.push(data('a'))
    const inFlight = conversion.push(data('spin'))
    await Bun.sleep(100)
    pool.terminateWorker(0)
    expect(await inFlight).toEqual(data('2:SPIN'))
  }, 15_000)

  test('a conversion that cannot be built rejects its first call with the reason', async () => {
    const pool = makePool({ size: 1, conversionModule: testConversionModule })
    const conversion = pool.runStreamConversion(spec({ provider: 'broken' }))
    await expect(conversion.push(data('a'))).rejects.toThrow(/unknown provider broken/)
  })

  test('fail() gives the error event and the usage so far; cancel() ends the conversion', async () => {
    const pool = makePool({ size: 1, conversionModule: testConversionModule })
    const failing = pool.runStreamConversion(spec())
    await failing.push(data('a', 'b'))
    const failed = await failing.fail({ status: 504, message: 'upstream timed out', type: 'timeout', code: 'timeout' })
    expect(failed.events).toEqual([{ event: 'error', data: 'upstream timed out' }])
    expect(failed.usage?.outputTokens).toBe(2)
    const cancelled = pool.runStreamConversion(spec())
    cancelled.cancel()
    await expect(cancelled.push(data('a'))).rejects.toThrow(/cancelled/)
    expect(pool.stats().streams).toBe(0)
  })
})

describe('WorkerPool with the real providers hub', () => {
  test('an Anthropic -> OpenAI Chat conversion in a worker gives exactly the inline output', async () => {
    const { createStreamConversion } = await import('../src/providers/index.ts')
    const lines = (await Bun.file(new URL('../src/testing/fixtures/upstream/anthropic/anthropic-text.chunks.txt', import.meta.url)).text()).split('\n').filter(Boolean)
    const events: SseEvent[] = lines.map((line) => ({ event: JSON.parse(line).type, data: line }))
    const realSpec: StreamConversionSpec = {
      provider: 'anthropic',
      inbound: 'openai-chat',
      target: { baseUrl: 'https://api.anthropic.com', model: 'claude-3-5-haiku', stream: true, other: '', setting: {}, channelType: 14 },
      model: 'claude-3-5-haiku',
      id: 'chatcmpl-worker-test',
      created: 1_700_000_000,
    }
    const inline = createStreamConversion(realSpec)
    const inlineEvents = [...events.flatMap((event) => inline.push(event)), ...inline.flush()]

    const pool = makePool({ size: 1 })
    const conversion = pool.runStreamConversion(realSpec)
    const workerEvents = [...(await conversion.push(events.slice(0, 3))), ...(await conversion.push(events.slice(3)))]
    const flushed = await conversion.flush()
    expect([...workerEvents, ...flushed.events]).toEqual(inlineEvents)
    expect(flushed.usage).toEqual(inline.usage())
    expect(flushed.usage?.outputTokens).toBeGreaterThan(0)
  })
})
