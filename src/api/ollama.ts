import { Elysia, t } from 'elysia'
import type { CachedChannel } from '../cache/routing.ts'
import { pickKey } from '../channels/channel-requests.ts'
import { readErrorBody, type ChannelClient } from '../channels/channel-client.ts'
import { badRequest, GatewayError, notFound } from '../errors.ts'
import { createNdjsonDecoder } from '../providers/ollama/ndjson-decoder.ts'
import { ollamaAdmin } from '../providers/ollama/ollama-admin.ts'
import { providerForChannelType } from '../providers/index.ts'
import type { CapabilityRequest, UpstreamTarget } from '../providers/types.ts'
import { scrubberFor } from '../security/scrub-secrets.ts'
import { authPlugin, envelope, ok, ROLE_ADMIN, type ApiDependencies } from './context.ts'

/** A pull that answers only when done (`stream: false`) may take this long; the streamed pull's limit is on its first line. */
const PULL_TIMEOUT_MS = 30 * 60_000
const CALL_TIMEOUT_MS = 20_000

const OllamaModelBody = t.Object({ channel_id: t.Integer({ minimum: 1 }), model_name: t.String({ minLength: 1, maxLength: 255 }) })

/**
 * new-api's Ollama model management on an Ollama channel (type 4), admin only: pull a model (whole, or with its
 * progress streamed as server-sent events), delete one, read the server's version. The models on the server are
 * listed by `GET /api/channel/fetch_models/:id` (Ollama's `/api/tags`). Every call goes to the channel's base URL
 * with its first enabled key and header overrides, through the same channel client as relayed traffic; upstream
 * messages are scrubbed of the key before they are shown.
 */
export function ollamaRoutes(dependencies: ApiDependencies & { channelClient: ChannelClient }) {
  const { caches, channelClient } = dependencies
  const { requests } = channelClient

  function ollamaChannel(id: number): { channel: CachedChannel; target: UpstreamTarget; scrub: (text: string) => string } {
    const channel = caches.routing.byId.get(id)
    if (!channel) throw notFound(`Channel ${id} does not exist`)
    if (channel.type !== 4) throw badRequest('channel_id: this operation is only supported for Ollama channels')
    const keyIndex = channel.keys.length === 1 ? 0 : pickKey(channel)
    if (keyIndex < 0) throw badRequest(`Channel ${id} has no enabled key`)
    return { channel, target: requests.target(channel, keyIndex, providerForChannelType(4)!, '', false), scrub: scrubberFor(channel.keys) }
  }

  /** Header overrides apply (a proxy's auth may live there); parameter overrides are for inference bodies, not these. */
  async function call(channel: CachedChannel, request: CapabilityRequest, key: string, scrub: (text: string) => string, timeoutMs: number) {
    try {
      return await channelClient.send(channel, { ...requests.capability(channel, { ...request, body: undefined }, key), body: request.body }, { timeoutMs })
    } catch (error) {
      throw new GatewayError(502, `Ollama server did not answer: ${scrub((error as Error).message)}`, 'do_request_failed')
    }
  }

  /** An upstream failure as a 502 naming Ollama's `{error}` text. */
  async function failure(response: Awaited<ReturnType<typeof call>>, scrub: (text: string) => string, what: string): Promise<never> {
    const text = scrub(await readErrorBody(response))
    let message = text.slice(0, 300)
    try { message = String((JSON.parse(text) as { error?: unknown }).error ?? message) } catch { /* not JSON: the text itself */ }
    throw new GatewayError(502, `Failed to ${what}: Ollama answered ${response.status}: ${message}`, 'bad_response_status_code')
  }

  return new Elysia({ name: 'tollgate.ollama', prefix: '/api/channel/ollama' })
    .use(authPlugin(dependencies))
    .post('/pull', async ({ body }) => {
      const { channel, target, scrub } = ollamaChannel(body.channel_id)
      const response = await call(channel, ollamaAdmin.pull(target, body.model_name, false), target.key, scrub, PULL_TIMEOUT_MS)
      if (!response.ok) return failure(response, scrub, `pull ${body.model_name}`)
      await response.text()
      return ok(undefined, `Model ${body.model_name} pulled successfully`)
    }, { role: ROLE_ADMIN, body: OllamaModelBody, response: envelope(t.Unknown()), detail: { tags: ['Channels'], summary: 'Pull a model onto an Ollama channel\'s server (answers when done)' } })
    .post('/pull/stream', async ({ body }) => {
      const { channel, target, scrub } = ollamaChannel(body.channel_id)
      const response = await call(channel, ollamaAdmin.pull(target, body.model_name, true), target.key, scrub, CALL_TIMEOUT_MS)
      if (!response.ok) return failure(response, scrub, `pull ${body.model_name}`)
      const upstream = response.body!.getReader()
      const decoder = createNdjsonDecoder()
      const encoder = new TextEncoder()
      const event = (data: string) => encoder.encode(`data: ${data}\n\n`)
      let failed = false
      // Each progress line as an event, then new-api's closing event (`message` or `error`) and [DONE].
      const stream = new ReadableStream<Uint8Array>({
        async pull(controller) {
          try {
            const { value, done } = await upstream.read()
            const lines = done ? decoder.flush() : decoder.push(value)
            for (const line of lines) {
              if (line.data.includes('"error"')) failed = true
              controller.enqueue(event(scrub(line.data)))
            }
            if (!done) return
            if (!failed) controller.enqueue(event(JSON.stringify({ message: `Model ${body.model_name} pulled successfully` })))
          } catch (error) {
            controller.enqueue(event(JSON.stringify({ error: scrub((error as Error).message) })))
          }
          controller.enqueue(event('[DONE]'))
          controller.close()
        },
        cancel: () => { upstream.cancel().catch(() => {}) },
      })
      return new Response(stream, { headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' } })
    }, { role: ROLE_ADMIN, body: OllamaModelBody, detail: { tags: ['Channels'], summary: 'Pull a model onto an Ollama channel\'s server, progress as server-sent events' } })
    .delete('/delete', async ({ body }) => {
      const { channel, target, scrub } = ollamaChannel(body.channel_id)
      const response = await call(channel, ollamaAdmin.delete(target, body.model_name), target.key, scrub, CALL_TIMEOUT_MS)
      if (!response.ok) return failure(response, scrub, `delete ${body.model_name}`)
      await response.text()
      return ok(undefined, `Model ${body.model_name} deleted successfully`)
    }, { role: ROLE_ADMIN, body: OllamaModelBody, response: envelope(t.Unknown()), detail: { tags: ['Channels'], summary: 'Delete a model from an Ollama channel\'s server' } })
    .get('/version/:id', async ({ params }) => {
      const { channel, target, scrub } = ollamaChannel(params.id)
      const response = await call(channel, ollamaAdmin.version(target), target.key, scrub, CALL_TIMEOUT_MS)
      if (!response.ok) return failure(response, scrub, 'read the version')
      const version = (JSON.parse(await response.text()) as { version?: unknown }).version
      return ok({ version: String(version ?? '') })
    }, { role: ROLE_ADMIN, params: t.Object({ id: t.Numeric() }), response: envelope(t.Object({ version: t.String() })), detail: { tags: ['Channels'], summary: 'The Ollama server version of an Ollama channel' } })
}
