import { Elysia, t } from 'elysia'
import { OpenAiError, relayDoc } from '../schemas.ts'
import type { Server } from 'bun'
import type { ClientAddress } from '../../net/client-address.ts'
import type { RealtimeRunner } from './realtime-runner.ts'
import type { createClientSecretIssuer } from './realtime-client-secrets.ts'
import type { RealtimeSession } from './realtime-session.ts'

/**
 * Bun's websocket settings for every realtime socket: a client frame over 16 MiB closes the session with 1009;
 * no compression (audio frames are base64 and would cost CPU for little); Bun pings idle clients so dead ones go.
 */
export const REALTIME_WEBSOCKET = {
  maxPayloadLength: 16 * 1024 * 1024,
  perMessageDeflate: false,
  idleTimeout: 120,
  sendPings: true,
  // The session pauses the upstream at the first queued frame; this only bounds a misbehaving burst.
  backpressureLimit: 16 * 1024 * 1024,
  closeOnBackpressureLimit: true,
}

const refusal = (description: string) => ({ description, content: { 'application/json': { schema: OpenAiError } } })

const realtimeDetail = {
  tags: ['Relay'],
  summary: 'Realtime session (WebSocket)',
  description: 'Upgrades to a WebSocket bridged to an OpenAI or Azure realtime channel. The key as `Authorization: Bearer sk-…` or, from a browser, the subprotocols `realtime, openai-insecure-api-key.sk-…` (plus `openai-beta.realtime-v1` for the beta API), or a client secret from /v1/realtime/client_secrets. Every `response.done` is billed and logged as its own row. Refusals are HTTP answers before any upgrade.',
  security: [{ bearerAuth: [] }],
  parameters: [{ name: 'model', in: 'query', required: true, schema: { type: 'string' }, description: 'The realtime model (not needed with a client secret, which names its own)' }],
  responses: {
    101: { description: 'Switching Protocols: the realtime session; frames are the realtime API\'s events' },
    400: refusal('No model, or the model has no price'), 401: refusal('Invalid token or client secret'),
    403: refusal('Quota, model limit, IP or group refused'), 404: refusal('No channel serves the model for realtime'),
    426: refusal('Not a WebSocket request'), 502: refusal('No realtime channel could be connected'),
  },
} as never

const ClientSecretRequest = t.Object({
  expires_after: t.Optional(t.Object({ anchor: t.Optional(t.String()), seconds: t.Optional(t.Integer({ minimum: 10, maximum: 7200 })) })),
  session: t.Object({ type: t.Optional(t.String()), model: t.String(), instructions: t.Optional(t.String()) }, { additionalProperties: true }),
}, { additionalProperties: true })
const ClientSecretResponse = t.Object({ value: t.String({ description: 'The gateway\'s client secret (ek_tg_…)' }), expires_at: t.Integer(), session: t.Record(t.String(), t.Unknown()) }, { additionalProperties: true })
const SessionRequest = t.Object({ model: t.String(), modalities: t.Optional(t.Array(t.String())), instructions: t.Optional(t.String()) }, { additionalProperties: true })
const SessionResponse = t.Object({ model: t.String(), client_secret: t.Object({ value: t.String(), expires_at: t.Integer() }) }, { additionalProperties: true })

/** The realtime routes: the WebSocket upgrade and the client-secret routes. Handlers name only what they use. */
export function realtimeRoutes(runner: RealtimeRunner, issue: ReturnType<typeof createClientSecretIssuer>, addressOf: ClientAddress) {
  return new Elysia({ name: 'tollgate.realtime' })
    .get('/v1/realtime', ({ request, server }) => runner.upgrade(request, server as unknown as Server<RealtimeSession>, addressOf(request, server)), { detail: realtimeDetail })
    .post('/v1/realtime/client_secrets', ({ request, server }) => issue(request, '/v1/realtime/client_secrets', addressOf(request, server)), { parse: 'none', detail: relayDoc('Realtime client secret for a browser (the gateway\'s own; relayed to a realtime channel)', ClientSecretRequest, ClientSecretResponse) })
    .post('/v1/realtime/sessions', ({ request, server }) => issue(request, '/v1/realtime/sessions', addressOf(request, server)), { parse: 'none', detail: relayDoc('Realtime session with a client secret (beta; the gateway\'s own secret)', SessionRequest, SessionResponse) })
}
