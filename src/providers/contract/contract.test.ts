import { describe, expect, test } from 'bun:test'
import { createMemoryStateStore } from '../../channels/state-store.ts'
import { ConversionError, isQuotaCode, isRetryableStatus, UpstreamStreamError } from '../errors.ts'
import { chatAdaptors, createUpstreamDecoder, getAdaptor } from '../index.ts'
import { openAiCompatibleVendors } from '../openai-compatible/vendors.ts'
import { assembleChunks, awkwardPieceSizes, readFixtureChunks, readFixtureText, runParser } from '../replay-fixture.ts'
import type { ChatRequest, ProviderAdaptor, SseEvent, UpstreamRequest, UpstreamTarget } from '../types.ts'
import { contractTable, type ContractEntry } from './contract-table.ts'
import type { StreamReplay } from './replays.ts'

/**
 * The capability contract every registered chat adaptor passes (issue 17): the same cases, run against recorded
 * answers, for each entry of contract-table.ts. Provider-specific behaviour stays in each adaptor's own test file.
 */

/**
 * The house rule for upstream failures, once (errors.ts `isRetryableStatus`, read by the relay's retry loop): a bad
 * request fails the same on every channel, so it is not retried; auth, permission and missing-model failures belong to
 * this channel's key or deployment, rate limits and server failures to this moment, so another channel may serve it.
 * An account out of money is never retried, whatever the status (errors.ts `isQuotaCode`).
 */
const failureExpectations: Record<number, { type: string; retryable: boolean }> = {
  400: { type: 'invalid_request_error', retryable: false },
  401: { type: 'authentication_error', retryable: true },
  403: { type: 'permission_error', retryable: true },
  404: { type: 'not_found_error', retryable: true },
  429: { type: 'rate_limit_error', retryable: true },
  500: { type: 'upstream_error', retryable: true },
  503: { type: 'upstream_error', retryable: true },
}
/** The house retry class of a failure: the table above, errors.ts's status rule for statuses it does not list, never for quota. */
const houseRetryable = (status: number, quota = false): boolean => !quota && (failureExpectations[status]?.retryable ?? isRetryableStatus(status))
const finishReasons = ['stop', 'length', 'tool_calls', 'content_filter']

const tool = { type: 'function', function: { name: 'get_weather', description: 'Weather of a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } }
/** A 1×1 PNG, and an image by URL: both must reach the body of an adaptor that claims them. */
const imageBase64 = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=='
const remoteImage = 'https://images.example/contract/cat.png'

/**
 * The canonical request: a system prompt, a user turn with the image kinds the entry takes (a base64 data URL and/or an
 * http(s) URL) and the tool where it takes tools. `parts` overrides the claims to build the requests that must be refused.
 */
function canonicalRequest(entry: ContractEntry, parts: { dataImage?: boolean; remoteImage?: boolean; tools?: boolean } = {}): ChatRequest {
  const images = [
    ...((parts.dataImage ?? entry.request.images.data) ? [{ type: 'image_url', image_url: { url: `data:image/png;base64,${imageBase64}` } }] : []),
    ...((parts.remoteImage ?? entry.request.images.remote) ? [{ type: 'image_url', image_url: { url: remoteImage } }] : []),
  ]
  const tools = parts.tools ?? !('refused' in entry.tools)
  const question = 'What is the weather in Paris?'
  const content = images.length > 0 ? [{ type: 'text', text: question }, ...images] : question
  return { model: 'client-model', messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content }], ...(tools ? { tools: [tool] } : {}) }
}

/** Parts besides text and images, each with a piece of its payload that must reach the body when the part is sent. */
const otherParts: [part: { type: string; [field: string]: unknown }, marker: string][] = [
  [{ type: 'input_audio', input_audio: { data: 'UklGRiQAAABXQVZFZm10IBAAAAAB', format: 'wav' } }, 'UklGRiQAAABXQVZFZm10IBAAAAAB'],
  [{ type: 'file', file: { filename: 'notes.pdf', file_data: 'data:application/pdf;base64,JVBERi0xLjQKJcfs' } }, 'JVBERi0xLjQKJcfs'],
  [{ type: 'hologram', hologram: { frames: 3 } }, 'hologram'],
]

const build = (adaptor: ProviderAdaptor, entry: ContractEntry, target = entry.target): UpstreamRequest =>
  adaptor.buildRequest(adaptor.toUpstream({ ...canonicalRequest(entry), ...(target.stream ? { stream: true } : {}) }, target), target)

/** A text-only request: what a request's failure detection is built from, whatever the entry claims. */
const buildPlain = (adaptor: ProviderAdaptor, target: UpstreamTarget): UpstreamRequest =>
  adaptor.buildRequest(adaptor.toUpstream({ model: 'client-model', messages: [{ role: 'user', content: 'hi' }] }, target), target)

function refusal(run: () => unknown): ConversionError {
  try { run() } catch (error) { if (error instanceof ConversionError) return error; throw error }
  throw new Error('not refused')
}

function decode(adaptorId: string, replay: StreamReplay, pieceSize: number): SseEvent[] {
  const bytes = replay.bytes()
  const decoder = createUpstreamDecoder(adaptorId)
  const events: SseEvent[] = []
  for (let offset = 0; offset < bytes.length; offset += pieceSize) events.push(...decoder.push(bytes.subarray(offset, offset + pieceSize)))
  events.push(...decoder.flush())
  return events
}

/** The status an HTTP 200 (or WebSocket frame) body stands for, through whichever mechanism the built request carries; null: an answer. */
async function okBodyStatus(built: UpstreamRequest, text: string): Promise<number | null> {
  if (built.okBodyFailure) return built.okBodyFailure(text)?.status ?? null
  if (built.websocket) {
    const status = built.websocket.status(text)
    return status === 200 ? null : status
  }
  if (built.prepare) {
    const prepared = await built.prepare({ post: async () => { throw new Error('no side call expected') }, get: async () => { throw new Error('no side call expected') }, download: async () => { throw new Error('no side call expected') }, state: createMemoryStateStore() })
    const answer = await prepared.read!(new Response(text, { headers: { 'content-type': 'application/json' } }))
    return answer.ok ? null : answer.status
  }
  return null
}

function expectToolCalls(calls: { id?: string; name?: string; arguments: string }[]) {
  expect(calls.length).toBeGreaterThan(0)
  for (const call of calls) {
    expect(call.id).toBeString()
    expect(call.id!.length).toBeGreaterThan(0)
    expect(call.name!.length).toBeGreaterThan(0)
    const parsed: unknown = JSON.parse(call.arguments)
    expect(parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)).toBe(true)
  }
}

describe('the contract table covers the registry', () => {
  const entries = new Set(contractTable.map((entry) => entry.adaptor))
  /** Vendors that are configuration of the one OpenAI-compatible adaptor: the representative entry stands for them. */
  const configOnly = new Set(openAiCompatibleVendors.filter((vendor) => vendor.chatRequest === undefined && !entries.has(vendor.id)).map((vendor) => vendor.id))

  test('every registered chat adaptor has an entry, or is a configuration-only OpenAI-compatible vendor', () => {
    const missing = chatAdaptors().map((adaptor) => adaptor.id).filter((id) => !entries.has(id) && !configOnly.has(id))
    expect(missing).toEqual([])
    expect(entries.size).toBe(contractTable.length)
    for (const id of entries) expect(getAdaptor(id).id).toBe(id)
  })

  test('configuration-only vendors speak plain OpenAI Chat with a bearer key, like their representative', () => {
    for (const adaptor of chatAdaptors().filter((candidate) => configOnly.has(candidate.id))) {
      expect(`${adaptor.id}: ${adaptor.format} ${adaptor.streamFraming ?? 'sse'} ${adaptor.chatRequest === undefined}`).toBe(`${adaptor.id}: openai-chat sse true`)
      const target: UpstreamTarget = { baseUrl: 'https://vendor.example', key: 'vendor-key', model: 'm', stream: false, other: '', setting: {}, channelType: 0 }
      expect(adaptor.buildRequest(adaptor.toUpstream({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }, target), target).headers.authorization).toBe('Bearer vendor-key')
    }
  })

  test('an entry that takes tools replays a tool-call recording, or says why it has none', () => {
    const silent = contractTable.filter(({ tools }) => !('refused' in tools) && !('noRecording' in tools) && !tools.answer && !tools.stream)
    expect(silent.map((entry) => entry.adaptor)).toEqual([])
  })

  test('every fixture the suite replays is listed with its provenance in the fixture README', () => {
    const readme = readFixtureText('README.md')
    const fixtures = contractTable.flatMap((entry) => [
      entry.answer.fixture, entry.stream.fixture, ...entry.errors.map((error) => error.fixture),
      ...('answer' in entry.tools && entry.tools.answer ? [entry.tools.answer.fixture] : []),
      ...('stream' in entry.tools && entry.tools.stream ? [entry.tools.stream.fixture] : []),
      ...(entry.request.auth.exchange ? [entry.request.auth.exchange.fixture] : []),
      ...(entry.streamFailure ? [entry.streamFailure.stream.fixture] : []),
    ])
    expect(fixtures.filter((fixture) => !readme.includes(fixture.split('/').at(-1)!))).toEqual([])
  })
})

for (const entry of contractTable) {
  const adaptor = getAdaptor(entry.adaptor)
  const streamTarget = { ...entry.target, stream: true }

  describe(`contract: ${entry.adaptor}`, () => {
    test('request conversion: URL and credential shape; system prompt, images and tools sent, never dropped; the key stays out of the body', async () => {
      const built = build(adaptor, entry)
      const streamed = build(adaptor, entry, streamTarget)
      for (const [request, url] of [[built, entry.request.url], [streamed, entry.request.streamUrl ?? entry.request.url]] as const) {
        if (typeof url === 'string') expect(request.url).toBe(url)
        else expect(request.url).toMatch(url)
        expect(request.body).not.toContain(entry.target.key)
        expect(request.body).toContain('Be brief.')
        if (entry.request.images.data) expect(request.body).toContain(imageBase64)
        if (entry.request.images.remote) expect(request.body).toContain(remoteImage)
        if (!('refused' in entry.tools)) expect(request.body).toContain('get_weather')
      }

      const { auth } = entry.request
      let headers = built.headers
      let query = new URL(built.url).searchParams
      if (auth.exchange) {
        expect(built.authorize).toBeFunction()
        const answer = readFixtureText(auth.exchange.fixture)
        const granted = await built.authorize!(async () => ({ status: 200, text: async () => answer }))
        headers = { ...headers, ...granted.headers }
        query = new URLSearchParams(granted.query)
      }
      if (auth.header) {
        const [name, value] = auth.header
        if (typeof value === 'string') expect(headers[name]).toBe(value)
        else expect(headers[name]).toMatch(value)
      }
      if (auth.query) {
        const [name, value] = auth.query
        if (typeof value === 'string') expect(query.get(name)).toBe(value)
        else expect(query.get(name) ?? '').toMatch(value)
      }
    })

    for (const kind of ['data', 'remote'] as const) {
      if (entry.request.images[kind]) continue
      test(`an image as ${kind === 'data' ? 'a data URL' : 'an http(s) URL'}, which it cannot take, is refused with a 400 naming the part`, () => {
        const error = refusal(() => adaptor.toUpstream(canonicalRequest(entry, { dataImage: kind === 'data', remoteImage: kind === 'remote' }), entry.target))
        expect(error.status).toBe(400)
        expect(error.param ?? '').toStartWith('messages[1].content')
      })
    }

    test('other content parts (audio, a file, a type no format has) are sent as they are or refused naming the part, never dropped', () => {
      for (const [part, marker] of otherParts) {
        const request: ChatRequest = { model: 'client-model', messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: [{ type: 'text', text: 'Read this.' }, part] }] }
        let body: string | undefined
        try {
          body = adaptor.buildRequest(adaptor.toUpstream(request, entry.target), entry.target).body
        } catch (error) {
          expect(error).toBeInstanceOf(ConversionError)
          expect(`${part.type} → ${(error as ConversionError).param}`).toStartWith(`${part.type} → messages[1].content`)
        }
        if (body !== undefined) expect(`${part.type} → ${body.includes(marker)}`).toBe(`${part.type} → true`)
      }
    })

    if ('refused' in entry.tools) {
      test(`tools are refused with a 400 naming the field (${entry.tools.refused})`, () => {
        const error = refusal(() => adaptor.toUpstream(canonicalRequest(entry, { tools: true }), entry.target))
        expect(error.status).toBe(400)
        expect(error.param).toBe('tools')
      })
    }

    test('non-stream answer: text, finish_reason and usage', async () => {
      const { response, usage } = adaptor.fromUpstream(await entry.answer.body(adaptor, entry.target), entry.target)
      const choice = response.choices[0] as { message: { content: unknown }; finish_reason: string }
      expect(choice.message.content).toBeString()
      expect((choice.message.content as string).length).toBeGreaterThan(0)
      expect(finishReasons).toContain(choice.finish_reason)
      expect([usage?.inputTokens, usage?.outputTokens]).toEqual(entry.answerUsage)
    })

    test('stream replayed in awkward pieces through the real decoder: the same text every time, a finish, usage at the end', async () => {
      const runs = awkwardPieceSizes.map((pieceSize) => runParser(adaptor.createStreamParser(streamTarget), decode(entry.adaptor, entry.stream, pieceSize)))
      const assembled = runs.map((run) => assembleChunks(run.chunks))
      for (const other of assembled.slice(1)) expect(other).toEqual(assembled[0]!)
      expect(assembled[0]!.content.length + assembled[0]!.reasoning.length).toBeGreaterThan(0)
      expect(finishReasons).toContain(runs[0]!.finishReason!)
      for (const run of runs) expect([run.usage?.inputTokens, run.usage?.outputTokens]).toEqual(entry.streamUsage)
      if (entry.sameConversation) {
        const { response } = adaptor.fromUpstream(await entry.answer.body(adaptor, entry.target), entry.target)
        expect(assembled[0]!.content).toBe((response.choices[0] as { message: { content: string } }).message.content)
      }
    })

    const tools = entry.tools
    if ('answer' in tools && tools.answer) {
      const replay = tools.answer
      test('tool call answer: canonical tool_calls with ids and JSON-object arguments, finish tool_calls', async () => {
        const { response } = adaptor.fromUpstream(await replay.body(adaptor, entry.target), entry.target)
        const choice = response.choices[0] as { message: { tool_calls?: { id: string; function: { name: string; arguments: string } }[] }; finish_reason: string }
        expectToolCalls((choice.message.tool_calls ?? []).map((call) => ({ id: call.id, name: call.function.name, arguments: call.function.arguments })))
        expect(choice.finish_reason).toBe('tool_calls')
      })
    }
    if ('stream' in tools && tools.stream) {
      const replay = tools.stream
      test('tool call stream: calls assembled from the deltas, finish tool_calls', () => {
        for (const pieceSize of [1 << 30, 3]) {
          const run = runParser(adaptor.createStreamParser(streamTarget), decode(entry.adaptor, replay, pieceSize))
          expectToolCalls(assembleChunks(run.chunks).toolCalls)
          expect(run.finishReason).toBe('tool_calls')
        }
      })
    }

    test('error mapping follows the house table for a body the adaptor cannot read (a proxy\'s page)', () => {
      for (const [status, expected] of Object.entries(failureExpectations)) {
        const mapped = adaptor.mapError(Number(status), '<html><body><h1>Bad Gateway</h1></body></html>')
        expect({ status: mapped.status, type: mapped.type, retryable: mapped.retryable }).toEqual({ status: Number(status), ...expected })
        expect(mapped.message.length).toBeGreaterThan(0)
      }
    })

    if (entry.errors.length > 0) {
      test('recorded failures: the status they stand for, the retry class of the house table (quota never retried)', async () => {
        const built = buildPlain(adaptor, entry.target)
        for (const recorded of entry.errors) {
          const text = readFixtureText(recorded.fixture)
          if (recorded.okBody) expect(`${recorded.fixture} → ${await okBodyStatus(built, text)}`).toBe(`${recorded.fixture} → ${recorded.status}`)
          const mapped = adaptor.mapError(recorded.status, text)
          const retryable = recorded.retryException?.retryable ?? houseRetryable(recorded.status, recorded.quota)
          expect(`${recorded.fixture} → ${mapped.status} retryable=${mapped.retryable}`).toBe(`${recorded.fixture} → ${recorded.status} retryable=${retryable}`)
          if (recorded.quota) expect(isQuotaCode(mapped.code, mapped.type)).toBe(true)
          expect(mapped.message).not.toBe('')
          expect(mapped.message).not.toBe(text)
        }
      })
    }

    const failure = entry.streamFailure
    if (failure) {
      test('a stream failing part-way ends with an UpstreamStreamError of the status it stands for and the house retry class', () => {
        let thrown: unknown
        try { runParser(adaptor.createStreamParser(streamTarget), decode(entry.adaptor, failure.stream, 5)) } catch (error) { thrown = error }
        expect(thrown).toBeInstanceOf(UpstreamStreamError)
        const { upstream } = thrown as UpstreamStreamError
        expect({ status: upstream.status, retryable: upstream.retryable }).toEqual({ status: failure.status, retryable: houseRetryable(failure.status) })
      })
    }

    // Coze's HTTP 200 refusals are read in its request's read step, whose answers are streams (coze-adaptor.test.ts).
    const okBodyChecked = buildPlain(adaptor, entry.target)
    if (okBodyChecked.okBodyFailure || okBodyChecked.websocket) {
      test('the recorded answer is not mistaken for an HTTP 200 failure', async () => {
        // A WebSocket answer is judged frame by frame: its first frame.
        const answer = okBodyChecked.websocket ? readFixtureChunks(entry.answer.fixture)[0]! : JSON.stringify(await entry.answer.body(adaptor, entry.target))
        expect(await okBodyStatus(okBodyChecked, answer)).toBeNull()
      })
    }
  })
}
