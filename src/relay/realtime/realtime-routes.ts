import { Elysia } from 'elysia'
import type { Server } from 'bun'
import { addressOf } from '../endpoints/address.ts'
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

const realtimeDetail = {
  tags: ['Relay'],
  summary: 'Realtime session (WebSocket)',
  description: 'Upgrades to a WebSocket bridged to an OpenAI or Azure realtime channel: `?model=<model>`; the key as `Authorization: Bearer sk-…` or, from a browser, the subprotocols `realtime, openai-insecure-api-key.sk-…` (plus `openai-beta.realtime-v1` for the beta API). Every `response.done` is billed and logged as its own row. Refusals (401, 403, 400, 503) are HTTP answers before any upgrade.',
}

const secretDetail = (beta: boolean) => ({
  tags: ['Relay'],
  summary: beta ? 'Realtime session with a client secret (beta)' : 'Realtime client secret',
  description: `${beta ? 'Body: the beta session object with `model`; answer: the session with `client_secret {value, expires_at}`.' : 'Body: `{expires_after?, session: {type: "realtime", model, …}}`; answer: `{value, expires_at, session}`.'} Relayed to a realtime channel; the secret returned is the gateway's, for a browser to connect to this gateway's /v1/realtime with (subprotocol \`openai-insecure-api-key.<secret>\`), good for that model until it expires.`,
})

/** The realtime routes: the WebSocket upgrade and the client-secret routes. Handlers name only what they use. */
export function realtimeRoutes(runner: RealtimeRunner, issue: ReturnType<typeof createClientSecretIssuer>) {
  return new Elysia({ name: 'tollgate.realtime' })
    .get('/v1/realtime', ({ request, server }) => runner.upgrade(request, server as unknown as Server<RealtimeSession>, addressOf(request, server)), { detail: realtimeDetail })
    .post('/v1/realtime/client_secrets', ({ request, server }) => issue(request, '/v1/realtime/client_secrets', addressOf(request, server)), { parse: 'none', detail: secretDetail(false) })
    .post('/v1/realtime/sessions', ({ request, server }) => issue(request, '/v1/realtime/sessions', addressOf(request, server)), { parse: 'none', detail: secretDetail(true) })
}
