/**
 * A local stand-in for Cloudflare Turnstile's siteverify endpoint: a form POST of `secret`, `response` and
 * `remoteip` answered with `{success, error-codes}` as Cloudflare documents. A response token passes when it is
 * one the test issued (`issue()`) and the secret matches; each token works once, as Cloudflare's do.
 */
export interface MockTurnstile {
  url: string
  /** A token the widget would have produced (`token` to choose it, as a stand-in widget in a browser test does). */
  issue(token?: string): string
  /** Every verification asked for, in order. */
  calls: { secret: string; response: string; remoteip: string }[]
  stop(): void
}

export function startMockTurnstile(secret: string): MockTurnstile {
  const issued = new Set<string>()
  const calls: MockTurnstile['calls'] = []
  let counter = 0
  const server = Bun.serve({
    port: 0, hostname: '127.0.0.1',
    async fetch(request) {
      if (request.method !== 'POST' || new URL(request.url).pathname !== '/turnstile/v0/siteverify') return new Response('not found', { status: 404 })
      const form = new URLSearchParams(await request.text())
      const call = { secret: form.get('secret') ?? '', response: form.get('response') ?? '', remoteip: form.get('remoteip') ?? '' }
      calls.push(call)
      const errors: string[] = []
      if (call.secret !== secret) errors.push('invalid-input-secret')
      if (!issued.delete(call.response)) errors.push(call.response ? 'invalid-input-response' : 'missing-input-response')
      return Response.json({ success: errors.length === 0, 'error-codes': errors, hostname: 'localhost', challenge_ts: new Date().toISOString() })
    },
  })
  return {
    url: `http://127.0.0.1:${server.port}/turnstile/v0/siteverify`,
    issue(chosen) {
      const token = chosen ?? `XXXX.DUMMY.TOKEN.${++counter}.${crypto.randomUUID()}`
      issued.add(token)
      return token
    },
    calls,
    stop: () => server.stop(true),
  }
}
