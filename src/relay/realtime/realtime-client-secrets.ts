import { GatewayError } from '../../errors.ts'
import type { Caches } from '../../cache/index.ts'
import type { ChannelClient } from '../../channels/channel-client.ts'
import { readErrorBody } from '../../channels/channel-client.ts'
import type { ChannelHealth } from '../../channels/channel-health.ts'
import { pickKey } from '../../channels/channel-requests.ts'
import { pickChannel } from '../../cache/routing.ts'
import { providerForChannelType } from '../../providers/index.ts'
import type { RealtimeSessionPath } from '../../providers/types.ts'
import type { SecretBox } from '../../security/crypto.ts'
import { parseJsonObject, REQUEST_ID_HEADER } from '../endpoint.ts'
import type { Relay } from '../relay.ts'
import { modelPrice, nextRequestId } from '../admission.ts'
import { realtimeTiers } from './realtime-admission.ts'
import { MAX_CLIENT_SECRET_LENGTH, sealClientSecret } from './client-secrets.ts'

/** Longest a client secret lives (OpenAI's limit for `expires_after.seconds`); the default when the upstream names none. */
const MAX_SECRET_SECONDS = 7200
const DEFAULT_SECRET_SECONDS = 600
const MAX_BODY_BYTES = 64 * 1024
const TIMEOUT_MS = 20_000

/**
 * `POST /v1/realtime/client_secrets` (GA: `{expires_after?, session: {type, model, …}}` → `{value, expires_at, session}`)
 * and `POST /v1/realtime/sessions` (beta: `{model, …}` → `{…session, client_secret: {value, expires_at}}`). The
 * request is relayed to a realtime channel (model_mapping applied), so the configuration is checked by the upstream
 * and the answer has its shape and defaults; the upstream's ephemeral key in it is replaced by a client secret of
 * the gateway's (client-secrets.ts), so the browser's session runs through the gateway and is billed. Issuing one
 * costs nothing; it needs a token that may use the model, and a price for it.
 */
export function createClientSecretIssuer(dependencies: { relay: Relay; caches: Caches; channels: ChannelClient; health: ChannelHealth; secretBox: SecretBox }) {
  const { relay, caches, channels, health, secretBox } = dependencies

  return async function issue(request: Request, path: RealtimeSessionPath, clientAddress: string): Promise<Response> {
    if (Number(request.headers.get('content-length')) > MAX_BODY_BYTES) throw new GatewayError(413, `A session request is at most ${MAX_BODY_BYTES / 1024} KB`, 'invalid_request')
    const holder = relay.authenticate(request, path, clientAddress)
    const bodyText = await request.text()
    const body = bodyText.trim() === '' ? {} : parseJsonObject(bodyText)
    const beta = path === '/v1/realtime/sessions'
    const configured = (beta ? body : body.session) as Record<string, unknown> | undefined
    if (configured !== undefined && (typeof configured !== 'object' || configured === null || Array.isArray(configured))) throw new GatewayError(400, '"session" must be an object', 'invalid_request')
    const model = typeof configured?.model === 'string' ? configured.model.trim() : ''
    if (!model) throw new GatewayError(400, beta ? '"model" is required' : '"session.model" is required', 'invalid_request')
    if (holder.modelLimits && !holder.modelLimits.has(model)) throw new GatewayError(403, `This token has no access to model ${model}`, '')
    const tiers = realtimeTiers(caches, holder, model, true)
    modelPrice(caches, holder, model)
    const { model: _model, ...session } = configured!
    const requestId = nextRequestId()

    const attempts = holder.pinnedChannelId !== undefined ? 1 : caches.options.retryTimes + 1
    const tried = new Set<number>()
    let last: GatewayError | undefined
    let lastBody: { status: number; text: string } | undefined
    for (let index = 0; index < attempts; index++) {
      const channel = pickChannel(tiers, index, tried)
      if (!channel) break
      tried.add(channel.id)
      const keyIndex = pickKey(channel)
      if (keyIndex < 0) continue
      const provider = providerForChannelType(channel.type)!
      const upstreamModel = channel.modelMapping[model] ?? model
      const target = channels.requests.target(channel, keyIndex, provider, upstreamModel, false)
      const upstreamBody = beta ? { ...body, model: upstreamModel } : { ...body, session: { ...configured, model: upstreamModel } }
      const call = channels.requests.capability(channel, {
        method: 'POST', url: provider.realtime!.sessionsUrl!(path, target),
        headers: { 'content-type': 'application/json', ...(beta ? { 'OpenAI-Beta': 'realtime=v1' } : {}), ...provider.realtime!.headers(target) },
        body: JSON.stringify(upstreamBody),
      }, target.key)
      let response
      try {
        response = await channels.send(channel, call, { timeoutMs: TIMEOUT_MS })
      } catch (error) {
        last = new GatewayError(502, `Upstream request failed: ${(error as Error).message}`, 'do_request_failed')
        health.reportFailure(channel, keyIndex, 502, last.message)
        continue
      }
      if (!response.ok) {
        const text = await readErrorBody(response)
        health.reportFailure(channel, keyIndex, response.status, text.slice(0, 300))
        lastBody = { status: Number(channel.statusCodeMapping[String(response.status)] ?? response.status), text }
        // The upstream's verdict on the configuration is the client's to read; only its own failures are retried.
        if (response.status < 500 && response.status !== 429) break
        continue
      }
      let answer: Record<string, unknown>
      try {
        answer = parseJsonObject(await response.text())
      } catch {
        last = new GatewayError(502, 'Upstream answered with a body that is not JSON', 'bad_response_body')
        continue
      }
      return secretAnswer(answer, { tokenId: holder.token.id, model, beta, session, requestId })
    }
    if (lastBody && /^\s*\{\s*"error"/.test(lastBody.text)) return new Response(lastBody.text, { status: lastBody.status, headers: { 'content-type': 'application/json', [REQUEST_ID_HEADER]: requestId } })
    throw last ?? new GatewayError(lastBody?.status ?? 503, lastBody ? `Upstream answered ${lastBody.status}: ${lastBody.text.slice(0, 300)}` : `No available channel for model ${model}`, 'bad_response_status_code')
  }

  /** The upstream's answer with its ephemeral key swapped for the gateway's sealed secret (and the client's model name). */
  function secretAnswer(answer: Record<string, unknown>, issued: { tokenId: number; model: string; beta: boolean; session: Record<string, unknown>; requestId: string }): Response {
    const now = Math.floor(Date.now() / 1000)
    const holder = (issued.beta ? answer.client_secret : answer) as { value?: unknown; expires_at?: unknown } | undefined
    const announced = Number(holder?.expires_at)
    const expiresAt = Math.min(Number.isFinite(announced) && announced > now ? announced : now + DEFAULT_SECRET_SECONDS, now + MAX_SECRET_SECONDS)
    const value = sealClientSecret(secretBox, { tokenId: issued.tokenId, model: issued.model, expiresAt, session: Object.keys(issued.session).length > 0 ? issued.session : undefined, beta: issued.beta })
    if (value.length > MAX_CLIENT_SECRET_LENGTH) throw new GatewayError(400, 'The session configuration is too large for a client secret: connect with a smaller one and send the rest as session.update', 'invalid_request')
    const shown = issued.beta
      ? { ...answer, model: issued.model, client_secret: { ...(answer.client_secret as object), value, expires_at: expiresAt } }
      : { ...answer, value, expires_at: expiresAt, session: { ...(answer.session as object), model: issued.model } }
    return new Response(JSON.stringify(shown), { status: 200, headers: { 'content-type': 'application/json', [REQUEST_ID_HEADER]: issued.requestId } })
  }
}
