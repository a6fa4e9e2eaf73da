import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import OpenAI from 'openai'
import type { CachedChannel } from '../cache/routing.ts'
import { startRelayHarness, type RelayHarness } from '../testing/relay.ts'
import { createChannelSlots } from './concurrency.ts'

const capped = (maxConcurrency: number, maxQueue: number) => ({ id: 1, maxConcurrency, maxQueue }) as CachedChannel

describe('channel slots', () => {
  test('up to the cap at once, then a bounded queue served in order, then shed', async () => {
    const slots = createChannelSlots()
    const channel = capped(2, 1)
    const first = slots.acquire(channel) as () => void
    const second = slots.acquire(channel) as () => void
    const queued = slots.acquire(channel) as Promise<() => void>
    expect(queued).toBeInstanceOf(Promise)
    expect(() => slots.acquire(channel)).toThrow('Channel 1 is at its concurrency limit (2 in flight, 1 waiting)')
    expect(slots.usage(1)).toEqual({ inFlight: 2, waiting: 1 })
    first()
    first() // releasing twice gives back one slot
    const third = await queued
    expect(slots.usage(1)).toEqual({ inFlight: 2, waiting: 0 })
    second()
    third()
    expect(slots.usage(1)).toEqual({ inFlight: 0, waiting: 0 })
  })

  test('a queued request gives up after the wait', async () => {
    const slots = createChannelSlots(50)
    const channel = capped(1, 5)
    slots.acquire(channel)
    await expect(slots.acquire(channel) as Promise<unknown>).rejects.toThrow('waited 0.05 s')
    expect(slots.usage(1).waiting).toBe(0)
  })

  test('no cap, no bookkeeping', () => {
    const slots = createChannelSlots()
    const release = slots.acquire(capped(0, 0)) as () => void
    release()
    expect(slots.usage(1)).toEqual({ inFlight: 0, waiting: 0 })
  })
})

describe('per-channel concurrency cap through the relay', () => {
  let harness: RelayHarness
  let key: string
  let inFlight = 0
  let most = 0
  let streamGate: (() => void) | undefined
  const chat = (model: string) => harness.client(key).chat.completions.create({ model, messages: [{ role: 'user', content: 'hi' }] })
  const completion = (model: string) => ({ id: 'x', object: 'chat.completion', created: 0, model, choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }], usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } })

  beforeAll(async () => {
    harness = await startRelayHarness()
    key = (await harness.addToken()).key
    await harness.setOption('ModelRatio', { 'capped-model': 1, 'stream-capped': 1 })
    harness.upstream.setOptions({
      onRequest: async (request) => {
        const body = request.body as { model: string; stream?: boolean }
        inFlight++
        most = Math.max(most, inFlight)
        if (!body.stream) {
          await Bun.sleep(150)
          inFlight--
          return Response.json(completion(body.model))
        }
        // A stream that stays open until the test lets it finish.
        const encoder = new TextEncoder()
        return new Response(new ReadableStream({
          async start(controller) {
            controller.enqueue(encoder.encode(`data: ${JSON.stringify({ id: 'x', object: 'chat.completion.chunk', created: 0, model: body.model, choices: [{ index: 0, delta: { content: 'o' }, finish_reason: null }] })}\n\n`))
            await new Promise<void>((resolve) => { streamGate = resolve })
            controller.enqueue(encoder.encode(`data: ${JSON.stringify({ id: 'x', object: 'chat.completion.chunk', created: 0, model: body.model, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }], usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } })}\n\ndata: [DONE]\n\n`))
            inFlight--
            controller.close()
          },
        }), { headers: { 'content-type': 'text/event-stream' } })
      },
    })
  })
  afterAll(() => harness.dispose())

  test('8 at once on a channel capped at 2 with a queue of 2: never more than 2 upstream, 4 served, 4 shed with a 503', async () => {
    await harness.addChannel({ name: 'capped', models: 'capped-model', setting: JSON.stringify({ max_concurrency: 2, max_queue: 2 }) })
    most = 0
    const outcomes = await Promise.all(Array.from({ length: 8 }, () => chat('capped-model').then(() => 200, (error: { status: number; message: string }) => error)))
    expect(most).toBe(2)
    expect(outcomes.filter((outcome) => outcome === 200)).toHaveLength(4)
    const shed = outcomes.filter((outcome) => outcome !== 200) as { status: number; message: string }[]
    expect(shed).toHaveLength(4)
    for (const error of shed) {
      expect(error.status).toBe(503)
      expect(error.message).toContain('is at its concurrency limit (2 in flight, 2 waiting)')
    }
    // Every slot came back: the next 2 go through at once.
    most = 0
    await Promise.all([chat('capped-model'), chat('capped-model')])
    expect(most).toBe(2)
  })

  test('a stream holds its slot until it ends, and a client that leaves gives it back', async () => {
    await harness.addChannel({ name: 'stream capped', models: 'stream-capped', setting: JSON.stringify({ max_concurrency: 1, max_queue: 0 }) })
    const client = new OpenAI({ apiKey: key, baseURL: `${harness.server.url}/v1`, maxRetries: 0 })
    const stream = await client.chat.completions.create({ model: 'stream-capped', stream: true, messages: [{ role: 'user', content: 'hi' }] })
    const chunks = stream[Symbol.asyncIterator]()
    await chunks.next()
    const refusedWhileStreaming = await chat('stream-capped').then((value) => value, (error: { status: number }) => error)
    expect(refusedWhileStreaming).toMatchObject({ status: 503 })
    streamGate!()
    for (let next = await chunks.next(); !next.done; next = await chunks.next());
    expect((await chat('stream-capped')).choices.length).toBe(1)

    const abandoned = new AbortController()
    const leaving = await client.chat.completions.create({ model: 'stream-capped', stream: true, messages: [{ role: 'user', content: 'hi' }] }, { signal: abandoned.signal })
    await leaving[Symbol.asyncIterator]().next()
    abandoned.abort()
    let served = false
    for (let tries = 0; tries < 50 && !served; tries++) {
      served = await chat('stream-capped').then(() => true, () => false)
      if (!served) await Bun.sleep(20)
    }
    expect(served).toBe(true)
    streamGate!()
  })

  test('a bad cap is refused when saved, naming the field', async () => {
    const refused = await harness.root.call('POST', '/api/channel/', { mode: 'single', channel: { type: 1, name: 'bad cap', key: 'k', base_url: harness.upstream.url, models: 'x', setting: '{"max_concurrency": 0}' } })
    expect(refused.status).toBe(400)
    expect(refused.body.message).toContain('setting.max_concurrency must be a whole number from 1 to 100000')
  })
})
