import { createMemoryStateStore } from '../../channels/state-store.ts'
import { frameInvokeStream } from '../../testing/mock-bedrock.ts'
import { encodeEventStreamMessage } from '../bedrock/aws-eventstream.ts'
import { frameAsSse, frameEvents, readFixtureChunks, readFixtureEvents, readFixtureJson, readFixtureText, type SseFraming } from '../replay-fixture.ts'
import type { ProviderAdaptor, UpstreamTarget } from '../types.ts'

/**
 * Test support for the capability contract suite: a recorded answer or stream, named by its fixture (so the suite can
 * check the fixture README lists it), replayed as the bytes or body the adaptor meets behind the real channel client.
 */

/** A non-stream answer: the JSON body fromUpstream is given. */
export interface AnswerReplay {
  fixture: string
  body(adaptor: ProviderAdaptor, target: UpstreamTarget): Promise<Record<string, unknown>>
}

/** A stream: the bytes on the wire, for the decoder `createUpstreamDecoder` picks. */
export interface StreamReplay {
  fixture: string
  bytes(): Uint8Array
}

/** A recorded body as the HTTP answer's JSON. */
export const jsonAnswer = (fixture: string): AnswerReplay => ({ fixture, body: async () => readFixtureJson(fixture) })

/** Xunfei Spark non-stream: the channel client collects the WebSocket frames into `{"frames": [...]}` (websocket-upstream.ts). */
export const sparkAnswer = (fixture: string): AnswerReplay => ({
  fixture, body: async () => JSON.parse(`{"frames":[${readFixtureChunks(fixture).join(',')}]}`) as Record<string, unknown>,
})

/**
 * Coze non-stream: the upstream always streams; the request's `read` step aggregates the stream into the body
 * fromUpstream reads, so the replay goes through the adaptor's own prepare/read.
 */
export const cozeAnswer = (fixture: string): AnswerReplay => ({
  fixture,
  async body(adaptor, target) {
    const built = adaptor.buildRequest(adaptor.toUpstream({ model: target.model, messages: [{ role: 'user', content: 'hi' }] }, target), target)
    const prepared = await built.prepare!({ post: async () => { throw new Error('no side call expected') }, get: async () => { throw new Error('no side call expected') }, download: async () => { throw new Error('no side call expected') }, state: createMemoryStateStore() })
    const wire = new Response(new TextDecoder().decode(frameEvents(readFixtureEvents(fixture))), { headers: { 'content-type': 'text/event-stream' } })
    return JSON.parse(await (await prepared.read!(wire)).text()) as Record<string, unknown>
  },
})

/** Payload-per-line recordings framed as SSE (see the fixture README for each provider's framing). */
export const sseStream = (fixture: string, framing: SseFraming = {}): StreamReplay => ({ fixture, bytes: () => frameAsSse(readFixtureChunks(fixture), framing) })

/** A recording that is the whole wire text already (Zhipu v3's SSE with `meta:` lines, Ollama's NDJSON). */
export const wireStream = (fixture: string): StreamReplay => ({ fixture, bytes: () => new TextEncoder().encode(readFixtureText(fixture)) })

/** Coze's `event:`/`data:` records. */
export const cozeStream = (fixture: string): StreamReplay => ({ fixture, bytes: () => frameEvents(readFixtureEvents(fixture)) })

/** Claude's Anthropic events wrapped as InvokeModelWithResponseStream `chunk`s. */
export const invokeStream = (fixture: string): StreamReplay => ({ fixture, bytes: () => frameInvokeStream(readFixtureChunks(fixture)) })

/** Bedrock ConverseStream: each `{"<eventType>": payload}` line as one AWS eventstream message. */
export const converseStream = (fixture: string): StreamReplay => ({
  fixture,
  bytes() {
    const messages = readFixtureChunks(fixture).map((line) => {
      const [[eventType, payload]] = Object.entries(JSON.parse(line) as Record<string, unknown>)
      return encodeEventStreamMessage({ ':event-type': eventType!, ':content-type': 'application/json', ':message-type': 'event' }, JSON.stringify(payload))
    })
    return Buffer.concat(messages)
  },
})

/**
 * A recorded failure body arriving as one stream event, as providers that answer failures in a 200 body also do
 * mid-stream (Baidu, Tencent: a `data:` line; Zhipu v3: an `event: error`).
 */
export const failureEvent = (fixture: string, event?: string): StreamReplay => ({
  fixture,
  bytes: () => new TextEncoder().encode(`${event ? `event: ${event}\n` : ''}data: ${JSON.stringify(readFixtureJson(fixture))}\n\n`),
})

/** A Replicate prediction's stream, with the finished prediction the channel client adds before `done` (replicate-prediction.ts). */
export const replicateStream = (fixture: string, prediction: string): StreamReplay => ({
  fixture,
  bytes: () => new TextEncoder().encode(readFixtureText(fixture).replace('event: done', `event: prediction\ndata: ${JSON.stringify(readFixtureJson(prediction))}\n\nevent: done`)),
})
