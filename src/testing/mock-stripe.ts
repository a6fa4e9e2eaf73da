import { createHash, createHmac } from 'node:crypto'
import Stripe from 'stripe'

/**
 * A local stand-in for the Stripe API, enough for Checkout: `POST /v1/checkout/sessions` (form-encoded, Bearer
 * secret key, as the official SDK sends it) answers a session object; the session's `url` is a pay page here;
 * paying sends `checkout.session.completed` to the webhook URL, signed with the webhook secret by the SDK's
 * `webhooks.generateTestHeaderString`, and sends the browser to `success_url`. Tests may send other events.
 */
export interface MockStripeSession {
  id: string
  object: 'checkout.session'
  url: string
  amount_total: number
  currency: string
  client_reference_id: string
  payment_status: 'paid' | 'unpaid'
  status: 'open' | 'complete' | 'expired'
  expires_at: number
  success_url: string
  cancel_url: string
  metadata: Record<string, string>
  mode: string
}

export interface MockStripe {
  url: string
  sessions: MockStripeSession[]
  /** Requests whose Bearer key was not the expected one. */
  rejectedKeys: number
  /** Send an event about `session` to the webhook (signed with `secret`, the webhook secret by default). */
  send(type: string, session: MockStripeSession, options?: { secret?: string; changes?: Partial<MockStripeSession>; signature?: string }): Promise<Response>
  stop(): Promise<void>
}

const stripe = new Stripe('sk_test_mock', { httpClient: Stripe.createFetchHttpClient() })
// Bun gets the SDK's web build, whose SubtleCrypto provider only signs asynchronously; generateTestHeaderString is
// synchronous, so it is given node:crypto's HMAC (the same HMAC-SHA256 Stripe uses).
const cryptoProvider = {
  computeHMACSignature: (payload: string, secret: string) => createHmac('sha256', secret).update(payload, 'utf8').digest('hex'),
  computeHMACSignatureAsync: async (payload: string, secret: string) => createHmac('sha256', secret).update(payload, 'utf8').digest('hex'),
  computeSHA256Async: async (data: Uint8Array) => new Uint8Array(createHash('sha256').update(data).digest()),
}

export function startMockStripe(options: { secretKey: string; webhookSecret: string; webhookUrl: () => string }): MockStripe {
  const sessions: MockStripeSession[] = []
  let rejectedKeys = 0
  let serial = 0

  async function send(type: string, session: MockStripeSession, sendOptions: { secret?: string; changes?: Partial<MockStripeSession>; signature?: string } = {}) {
    const payload = JSON.stringify({
      id: `evt_mock_${++serial}`, object: 'event', api_version: '2025-01-01', created: Math.floor(Date.now() / 1000), type,
      data: { object: { ...session, ...sendOptions.changes } }, livemode: false, pending_webhooks: 1, request: { id: null, idempotency_key: null },
    })
    const signature = sendOptions.signature ?? stripe.webhooks.generateTestHeaderString({ payload, secret: sendOptions.secret ?? options.webhookSecret, cryptoProvider })
    return fetch(options.webhookUrl(), { method: 'POST', headers: { 'content-type': 'application/json', 'stripe-signature': signature }, body: payload })
  }

  const server = Bun.serve({
    port: 0, hostname: '127.0.0.1',
    async fetch(request) {
      const url = new URL(request.url)
      if (url.pathname === '/v1/checkout/sessions' && request.method === 'POST') {
        if (request.headers.get('authorization') !== `Bearer ${options.secretKey}`) {
          rejectedKeys++
          return Response.json({ error: { type: 'invalid_request_error', message: 'Invalid API Key provided' } }, { status: 401 })
        }
        const form = new URLSearchParams(await request.text())
        const quantity = Number(form.get('line_items[0][quantity]') ?? 1)
        const unitAmount = Number(form.get('line_items[0][price_data][unit_amount]'))
        const id = `cs_test_mock${Date.now()}${++serial}`
        const session: MockStripeSession = {
          id, object: 'checkout.session', url: `http://127.0.0.1:${server.port}/pay/${id}`, amount_total: unitAmount * quantity,
          currency: form.get('line_items[0][price_data][currency]') ?? 'usd', client_reference_id: form.get('client_reference_id') ?? '',
          payment_status: 'unpaid', status: 'open', expires_at: Number(form.get('expires_at') ?? 0), mode: form.get('mode') ?? '',
          success_url: form.get('success_url') ?? '', cancel_url: form.get('cancel_url') ?? '',
          metadata: Object.fromEntries([...form].filter(([key]) => key.startsWith('metadata[')).map(([key, value]) => [key.slice(9, -1), value])),
        }
        sessions.push(session)
        return Response.json(session)
      }
      const paying = /^\/pay\/(cs_[\w]+)$/.exec(url.pathname)
      const session = paying ? sessions.find((candidate) => candidate.id === paying[1]) : undefined
      if (session && request.method === 'GET') {
        return new Response(`<!doctype html><html><body><h1>Mock Stripe Checkout</h1><p id="amount">${(session.amount_total / 100).toFixed(2)} ${session.currency.toUpperCase()}</p>
<form method="post"><button id="pay" type="submit">Pay</button></form></body></html>`, { headers: { 'content-type': 'text/html; charset=utf-8' } })
      }
      if (session && request.method === 'POST') {
        session.payment_status = 'paid'
        session.status = 'complete'
        const delivered = await send('checkout.session.completed', session)
        if (!delivered.ok) return new Response(`webhook answered ${delivered.status}`, { status: 502 })
        return Response.redirect(session.success_url.replace('{CHECKOUT_SESSION_ID}', session.id), 303)
      }
      return Response.json({ error: { type: 'invalid_request_error', message: `Unrecognized request URL (${request.method}: ${url.pathname})` } }, { status: 404 })
    },
  })
  return {
    url: `http://127.0.0.1:${server.port}`, sessions, get rejectedKeys() { return rejectedKeys }, send,
    stop: async () => { await server.stop(true) },
  }
}
