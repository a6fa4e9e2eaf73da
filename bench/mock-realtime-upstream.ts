/**
 * A local upstream that speaks OpenAI's Realtime API over WebSocket, for the realtime tests and the bench: OpenAI's
 * `/v1/realtime?model=` (bearer key) and Azure's `/openai/realtime?api-version=&deployment=` and
 * `/openai/v1/realtime?model=` (`api-key` header). Its events follow OpenAI's realtime API reference (server
 * events `session.created`, `conversation.item.created`, `response.created`, text deltas, `response.done` with
 * `usage`), with the GA names (`response.output_text.delta`) or, when the client asked for the beta
 * (`OpenAI-Beta: realtime=v1`), the beta names (`response.text.delta`). The frame shapes match the recorded
 * session events in src/testing/fixtures/upstream/openai-realtime/.
 *
 * Test controls, sent as client events: `mock.flood` ({count, bytes}) sends that many large frames at once and
 * counts how often its socket had to queue them (`stats.backpressured`); `mock.echo` is answered with itself
 * (the bench's latency probe); `mock.close` ({code, reason}) closes the session from the upstream's side.
 *
 * Standalone: `bun bench/mock-realtime-upstream.ts --port 9200` prints one JSON line `{"url","port"}`.
 */
import type { ServerWebSocket } from 'bun'
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { fixturesDirectory } from './mock-upstream.ts'

export interface MockRealtimeOptions {
  port?: number
  /** The key every connection must present (bearer or api-key); any key when unset. */
  key?: string
  /** The assistant's reply, sent as this many text deltas. */
  reply?: string
  deltas?: number
  /** Pause between two text deltas, in ms (0: the whole response at once). */
  deltaIntervalMs?: number
  /** Leave `usage` out of `response.done` (the gateway must count). */
  omitUsage?: boolean
  /** Output audio frames per response (`response.output_audio.delta`, base64 PCM16). */
  audioFrames?: number
  /** Send the lines of this recorded `*.chunks.txt` (under the fixtures folder) as frames when a session opens, instead of session.created. */
  replay?: string
  usage?: { input_tokens: number; output_tokens: number; input_token_details: Record<string, unknown>; output_token_details: Record<string, unknown> }
}

export interface MockRealtimeConnection {
  path: string
  headers: Record<string, string>
  /** Client frames as received (text frames as strings, binary as byte counts). */
  received: (string | number)[]
  closed?: { code: number; reason: string }
}

export interface MockRealtimeUpstream {
  url: string
  port: number
  connections: MockRealtimeConnection[]
  /** Client-secret requests (`/v1/realtime/client_secrets`, beta `/sessions`, Azure's), as received. */
  secretRequests: { path: string; headers: Record<string, string>; body: Record<string, unknown> }[]
  /** Upgrades refused (bad key, unknown path). */
  refused: number
  stats: { backpressured: number; floodSent: number }
  setOptions(partial: Partial<MockRealtimeOptions>): void
  /** Stop reading every open session's socket (a slow upstream), and read again. */
  pauseReading(): void
  resumeReading(): void
  stop(): Promise<void>
}

/** The usage of the reference's `response.done` example (OpenAI realtime API reference, server events). */
export const referenceUsage = {
  total_tokens: 275, input_tokens: 127, output_tokens: 148,
  input_token_details: { cached_tokens: 64, text_tokens: 119, audio_tokens: 8, image_tokens: 0, cached_tokens_details: { text_tokens: 64, audio_tokens: 0, image_tokens: 0 } },
  output_token_details: { text_tokens: 36, audio_tokens: 112 },
}

interface SocketData { connection: MockRealtimeConnection; beta: boolean; model: string; sequence: number }
type PausableSocket = ServerWebSocket<SocketData> & { pause(): void; resume(): void }

export function startMockRealtimeUpstream(initial: MockRealtimeOptions = {}): MockRealtimeUpstream {
  let options: MockRealtimeOptions = { reply: 'Hello from the realtime mock.', deltas: 4, ...initial }
  const connections: MockRealtimeConnection[] = []
  const stats = { backpressured: 0, floodSent: 0 }
  let refused = 0
  let sessions = 0
  const secretRequests: MockRealtimeUpstream['secretRequests'] = []
  const open = new Set<PausableSocket>()

  /** The ephemeral-session routes, answered as OpenAI's reference shows (GA client secret, beta session). */
  async function issueSecret(request: Request, url: URL): Promise<Response> {
    const headers: Record<string, string> = {}
    request.headers.forEach((value, name) => { headers[name] = value })
    const body = await request.json().catch(() => ({})) as Record<string, unknown>
    secretRequests.push({ path: url.pathname + url.search, headers, body })
    const expiresAt = Math.floor(Date.now() / 1000) + 600
    const value = `ek_mock_${secretRequests.length}`
    const id = `sess_secret_${secretRequests.length}`
    if (url.pathname.endsWith('/client_secrets')) {
      const session = body.session as Record<string, unknown> | undefined
      if (!session?.model) return Response.json({ error: { message: "Missing required parameter: 'session.model'.", type: 'invalid_request_error', code: 'missing_required_parameter', param: 'session.model' } }, { status: 400 })
      return Response.json({ value, expires_at: expiresAt, session: { object: 'realtime.session', id, output_modalities: ['audio'], instructions: '', ...session } })
    }
    if (!body.model) return Response.json({ error: { message: "Missing required parameter: 'model'.", type: 'invalid_request_error', code: 'missing_required_parameter', param: 'model' } }, { status: 400 })
    return Response.json({ id, object: 'realtime.session', modalities: ['audio', 'text'], instructions: '', voice: 'alloy', ...body, client_secret: { value, expires_at: expiresAt } })
  }

  const event = (socket: ServerWebSocket<SocketData>, body: Record<string, unknown>) => {
    socket.data.sequence++
    return socket.sendText(JSON.stringify({ ...body, event_id: `event_${socket.data.sequence}` }))
  }

  async function respond(socket: ServerWebSocket<SocketData>) {
    const beta = socket.data.beta
    const responseId = `resp_${socket.data.sequence}`
    const itemId = `item_${socket.data.sequence}`
    const reply = options.reply ?? ''
    const deltas = Math.max(1, options.deltas ?? 1)
    const size = Math.ceil(reply.length / deltas)
    event(socket, { type: 'response.created', response: { id: responseId, object: 'realtime.response', status: 'in_progress', output: [], usage: null } })
    event(socket, { type: 'response.output_item.added', response_id: responseId, output_index: 0, item: { id: itemId, object: 'realtime.item', type: 'message', status: 'in_progress', role: 'assistant', content: [] } })
    event(socket, { type: 'response.content_part.added', response_id: responseId, item_id: itemId, output_index: 0, content_index: 0, part: { type: 'text', text: '' } })
    for (let index = 0; index < reply.length; index += size) {
      if (index > 0 && options.deltaIntervalMs) {
        await Bun.sleep(options.deltaIntervalMs)
        if (socket.readyState !== 1) return
      }
      event(socket, { type: beta ? 'response.text.delta' : 'response.output_text.delta', response_id: responseId, item_id: itemId, output_index: 0, content_index: 0, delta: reply.slice(index, index + size) })
    }
    for (let frame = 0; frame < (options.audioFrames ?? 0); frame++) {
      // 100 ms of silence: 2400 samples of PCM16 at 24 kHz.
      event(socket, { type: beta ? 'response.audio.delta' : 'response.output_audio.delta', response_id: responseId, item_id: itemId, output_index: 0, content_index: 0, delta: Buffer.alloc(4800).toString('base64') })
    }
    event(socket, { type: beta ? 'response.text.done' : 'response.output_text.done', response_id: responseId, item_id: itemId, output_index: 0, content_index: 0, text: reply })
    event(socket, { type: 'response.content_part.done', response_id: responseId, item_id: itemId, output_index: 0, content_index: 0, part: { type: 'text', text: reply } })
    const item = { id: itemId, object: 'realtime.item', type: 'message', status: 'completed', role: 'assistant', content: [{ type: 'text', text: reply }] }
    event(socket, { type: 'response.output_item.done', response_id: responseId, output_index: 0, item })
    const usage = options.omitUsage ? undefined : (options.usage ?? referenceUsage)
    event(socket, { type: 'response.done', response: { id: responseId, object: 'realtime.response', status: 'completed', status_details: null, output: [item], ...(usage ? { usage } : {}) } })
  }

  function clientEvent(socket: ServerWebSocket<SocketData>, frame: string) {
    let parsed: Record<string, unknown>
    try {
      parsed = JSON.parse(frame)
    } catch {
      event(socket, { type: 'error', error: { type: 'invalid_request_error', code: 'invalid_json', message: 'The client event is not valid JSON.', param: null, event_id: null } })
      return
    }
    switch (parsed.type) {
      case 'session.update':
        event(socket, { type: 'session.updated', session: { id: `sess_mock_${sessions}`, model: socket.data.model, ...(parsed.session as object) } })
        break
      case 'conversation.item.create':
        event(socket, { type: socket.data.beta ? 'conversation.item.created' : 'conversation.item.added', previous_item_id: null, item: { id: `item_client_${socket.data.sequence}`, ...(parsed.item as object), status: 'completed' } })
        break
      case 'input_audio_buffer.append':
        break
      case 'response.create':
        void respond(socket)
        break
      case 'mock.echo':
        socket.sendText(frame)
        break
      case 'mock.flood': {
        const payload = JSON.stringify({ type: 'mock.flood.frame', data: 'x'.repeat(Number(parsed.bytes ?? 65536)) })
        for (let index = 0; index < Number(parsed.count ?? 100); index++) {
          if (socket.sendText(payload) === -1) stats.backpressured++
          stats.floodSent++
        }
        break
      }
      case 'mock.close':
        socket.close(Number(parsed.code ?? 1000), String(parsed.reason ?? ''))
        break
      default:
        event(socket, { type: 'error', error: { type: 'invalid_request_error', code: 'unknown_event', message: `Unknown client event type: ${String(parsed.type)}`, param: 'type', event_id: parsed.event_id ?? null } })
    }
  }

  const server = Bun.serve<SocketData>({
    hostname: '127.0.0.1',
    port: options.port ?? 0,
    fetch(request, bun) {
      const url = new URL(request.url)
      if (request.method === 'POST') {
        const secretPath = ['/v1/realtime/client_secrets', '/v1/realtime/sessions', '/openai/v1/realtime/client_secrets', '/openai/realtimeapi/sessions'].includes(url.pathname)
        const key = url.pathname.startsWith('/openai/') ? request.headers.get('api-key') : request.headers.get('authorization')?.replace(/^Bearer /, '')
        if (!secretPath || (options.key !== undefined && key !== options.key)) return Response.json({ error: { message: 'Incorrect API key provided or unknown path.', type: 'invalid_request_error', code: 'invalid_api_key' } }, { status: 401 })
        return issueSecret(request, url)
      }
      const azure = url.pathname === '/openai/realtime' || url.pathname === '/openai/v1/realtime'
      const model = azure && url.pathname === '/openai/realtime' ? url.searchParams.get('deployment') : url.searchParams.get('model')
      const presented = azure ? request.headers.get('api-key') : request.headers.get('authorization')?.replace(/^Bearer /, '')
      if ((url.pathname !== '/v1/realtime' && !azure) || !model || (options.key !== undefined && presented !== options.key)) {
        refused++
        return Response.json({ error: { message: 'Incorrect API key provided or unknown realtime path.', type: 'invalid_request_error', code: 'invalid_api_key' } }, { status: 401 })
      }
      const headers: Record<string, string> = {}
      request.headers.forEach((value, name) => { headers[name] = value })
      const connection: MockRealtimeConnection = { path: url.pathname + url.search, headers, received: [] }
      connections.push(connection)
      const beta = request.headers.get('openai-beta')?.includes('realtime=v1') === true
      if (bun.upgrade(request, { data: { connection, beta, model, sequence: 0 } })) return undefined
      return new Response('Expected a WebSocket upgrade', { status: 426 })
    },
    websocket: {
      maxPayloadLength: 64 * 1024 * 1024,
      backpressureLimit: 512 * 1024 * 1024,
      open(socket) {
        sessions++
        open.add(socket as PausableSocket)
        if (options.replay) {
          for (const line of readFileSync(`${fixturesDirectory()}${options.replay}`, 'utf8').split('\n')) if (line.trim()) socket.sendText(line)
          return
        }
        event(socket, { type: 'session.created', session: { id: `sess_mock_${sessions}`, object: 'realtime.session', model: socket.data.model, modalities: ['text', 'audio'], instructions: '', voice: 'alloy', turn_detection: null } })
      },
      message(socket, frame) {
        socket.data.connection.received.push(typeof frame === 'string' ? frame : frame.byteLength)
        if (typeof frame === 'string') clientEvent(socket, frame)
      },
      close(socket, code, reason) {
        open.delete(socket as PausableSocket)
        socket.data.connection.closed = { code, reason }
      },
    },
  })

  return {
    url: `http://127.0.0.1:${server.port}`,
    port: server.port!,
    connections,
    secretRequests,
    get refused() { return refused },
    stats,
    setOptions(partial) { options = { ...options, ...partial } },
    pauseReading() { for (const socket of open) socket.pause() },
    resumeReading() { for (const socket of open) socket.resume() },
    async stop() { await server.stop(true) },
  }
}

if (import.meta.main) {
  const { values } = parseArgs({ options: { port: { type: 'string', default: '9200' } } })
  const mock = startMockRealtimeUpstream({ port: Number(values.port) })
  console.log(JSON.stringify({ url: mock.url, port: mock.port }))
}
