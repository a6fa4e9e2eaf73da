import { afterAll, beforeAll, expect, test } from 'bun:test'
import { startMockUpstream } from './mock-upstream.ts'
import type { MockUpstream } from './mock-upstream.ts'
import { holdConcurrentStreams, measureStreams, tallyStream } from './stream-client.ts'

let mock: MockUpstream
beforeAll(async () => {
  mock = await startMockUpstream({ chunkCount: 16 })
})
afterAll(() => mock.stop())

const streamBody = JSON.stringify({ model: 'm', stream: true, stream_options: { include_usage: true } })

function bodyOf(parts: string[]): Response {
  const encoder = new TextEncoder()
  return new Response(new ReadableStream({
    start(controller) {
      for (const part of parts) controller.enqueue(encoder.encode(part))
      controller.close()
    },
  }))
}

test('tallyStream counts events split across chunk borders exactly once', async () => {
  const tally = await tallyStream(bodyOf(['data: {"a":1}\n\nda', 'ta: {"b":2}\n\ndata: [DO', 'NE]\n\n']))
  expect(tally.events).toBe(3)
  expect(tally.sawDone).toBe(true)
  const cut = await tallyStream(bodyOf(['data: {"a":1}\n\n', 'data: {"b"']))
  expect(cut.events).toBe(2)
  expect(cut.sawDone).toBe(false)
})

test('sequential samples measure first and last byte of complete streams', async () => {
  mock.setOptions({ chunkIntervalMs: 2 })
  const result = await measureStreams({ url: `${mock.url}/v1/chat/completions`, body: streamBody }, { samples: 5, warmup: 1, minEvents: 19 })
  mock.setOptions({ chunkIntervalMs: 0 })
  expect(result.failures).toBe(0)
  expect(result.samples).toBe(5)
  // 20 events with 2 ms between them: the last byte comes well after the first.
  expect(result.lastByte.p50 - result.firstByte.p50).toBeGreaterThan(30)
})

test('short streams count as failures, not samples', async () => {
  const result = await measureStreams({ url: `${mock.url}/v1/chat/completions`, body: streamBody }, { samples: 3, warmup: 0, minEvents: 100 })
  expect(result.samples).toBe(0)
  expect(result.failures).toBe(3)
})

test('concurrent streams are all open at the snapshot and all complete', async () => {
  mock.setOptions({ chunkCount: 4, chunkIntervalMs: 40 })
  let seenOpen = -1
  const result = await holdConcurrentStreams({ url: `${mock.url}/v1/chat/completions`, body: streamBody }, {
    streams: 50, openTimeoutMs: 5000, totalTimeoutMs: 10_000, minEvents: 8, expectDone: true,
  }, (open) => {
    seenOpen = open
  })
  mock.setOptions({ chunkIntervalMs: 0, chunkCount: 16 })
  expect(seenOpen).toBe(50)
  expect(result.openAtSnapshot).toBe(50)
  expect(result.endedAtSnapshot).toBe(0)
  expect(result.completed).toBe(50)
  expect(result.incomplete + result.failed).toBe(0)
  expect(result.statuses).toEqual({ 200: 50 })
})

test('a failing upstream is reported as incomplete streams', async () => {
  mock.setOptions({ failureRate: 1 })
  const result = await holdConcurrentStreams({ url: `${mock.url}/v1/chat/completions`, body: streamBody }, {
    streams: 5, openTimeoutMs: 2000, totalTimeoutMs: 5000, minEvents: 8, expectDone: true,
  }, () => {})
  mock.setOptions({ failureRate: 0 })
  expect(result.completed).toBe(0)
  expect(result.incomplete).toBe(5)
  expect(result.statuses).toEqual({ 500: 5 })
})

test('streams that already ended are not counted as open at the snapshot', async () => {
  // Half the streams are instant, half are slow: the snapshot comes after the slow ones open.
  let serial = 0
  mock.setOptions({ chunkCount: 4, chunkIntervalMs: 0, onRequest: () => (serial++ % 2 === 0 ? undefined : new Response(new ReadableStream({
    async pull(controller) {
      controller.enqueue(new TextEncoder().encode('data: {}\n\n'))
      await Bun.sleep(300)
      controller.enqueue(new TextEncoder().encode('data: {}\n\ndata: [DONE]\n\n'))
      controller.close()
    },
  }), { headers: { 'content-type': 'text/event-stream' } })) })
  let seenOpen = -1
  const result = await holdConcurrentStreams({ url: `${mock.url}/v1/chat/completions`, body: streamBody }, {
    streams: 10, openTimeoutMs: 5000, totalTimeoutMs: 10_000, minEvents: 3, expectDone: true,
  }, (open) => {
    seenOpen = open
  })
  mock.setOptions({ onRequest: undefined, chunkCount: 16 })
  expect(result.completed).toBe(10)
  expect(seenOpen).toBe(result.openAtSnapshot)
  expect(result.openAtSnapshot + result.endedAtSnapshot).toBe(10)
  expect(result.openAtSnapshot).toBeGreaterThanOrEqual(5)
  expect(result.endedAtSnapshot).toBeGreaterThanOrEqual(1)
})
