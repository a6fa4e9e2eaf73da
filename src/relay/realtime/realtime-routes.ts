import { Elysia } from 'elysia'
import type { Server } from 'bun'
import { addressOf } from '../endpoints/address.ts'
import type { RealtimeRunner } from './realtime-runner.ts'
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

/** The realtime routes: the WebSocket upgrade. Handlers name only what they use (Elysia computes nothing else). */
export function realtimeRoutes(runner: RealtimeRunner) {
  return new Elysia({ name: 'tollgate.realtime' })
    .get('/v1/realtime', ({ request, server }) => runner.upgrade(request, server as unknown as Server<RealtimeSession>, addressOf(request, server)), { detail: realtimeDetail })
}
