import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { createHmac } from 'node:crypto'
import { startTestMailServer } from '../testing/mail-server.ts'
import { startTestServer, type ApiClient, type TestServer } from '../testing/server.ts'

/** A user's webhook receiver: keeps every notice with its signature headers. */
function startReceiver() {
  const received: { body: string; timestamp: string; signature: string }[] = []
  const server = Bun.serve({
    port: 0, hostname: '127.0.0.1',
    async fetch(request) {
      received.push({ body: await request.text(), timestamp: request.headers.get('x-tollgate-timestamp') ?? '', signature: request.headers.get('x-tollgate-signature') ?? '' })
      return new Response('ok')
    },
  })
  return { url: `http://127.0.0.1:${server.port}/hook`, received, stop: () => server.stop(true) }
}

let server: TestServer
let root: ApiClient
let user: ApiClient
let receiver: ReturnType<typeof startReceiver>
const secret = 'notice-secret-123'

beforeAll(async () => {
  receiver = startReceiver()
  server = await startTestServer({ NOTIFY_WEBHOOK_ALLOW_HOSTS: '127.0.0.1' })
  root = await server.signIn()
  await root.call('POST', '/api/user/', { username: 'spender', password: 'password-123', quota: 1_000_000 })
  user = await server.signIn('spender', 'password-123')
})
afterAll(async () => {
  await server.dispose()
  await receiver.stop()
})

/** Spending as the relay's settlement leaves it: a consume row through the batched writer, then a flush. */
async function spend(quota: number) {
  server.writer.record({ log: { userId: user.userId, username: 'spender', createdAt: Math.floor(Date.now() / 1000), type: 2, quota }, spent: quota, countRequest: true, tokensUsed: 0 })
  await server.flushUsage()
}
/** Notices received once `count` arrived, or (for one that must not come) after giving it a moment to. */
async function waitForNotices(count: number, coming = true) {
  for (let wait = 0; wait < (coming ? 500 : 30) && receiver.received.length < count; wait++) await Bun.sleep(10)
  return receiver.received.length
}

describe('low-balance notice', () => {
  test('settings: e-mail needs SMTP; webhooks reach public addresses unless allowed, the secret sealed and never shown', async () => {
    expect((await user.call('PUT', '/api/user/setting', { notify_type: 'email', quota_warning_threshold: 1 })).body.message).toContain('SMTP')
    expect((await user.call('PUT', '/api/user/setting', { notify_type: 'webhook', quota_warning_threshold: 1, webhook_url: 'http://10.1.2.3/hook', webhook_secret: secret })).body.message).toContain('private')
    expect((await user.call('PUT', '/api/user/setting', { notify_type: 'webhook', quota_warning_threshold: 1, webhook_url: receiver.url })).body.message).toContain('webhook_secret')
    const saved = await user.call('PUT', '/api/user/setting', { notify_type: 'webhook', quota_warning_threshold: 400_000, webhook_url: receiver.url, webhook_secret: secret })
    expect(saved.body.data).toEqual({ notify_type: 'webhook', quota_warning_threshold: 400_000, webhook_url: receiver.url, webhook_secret_set: true })
    const self = (await user.call('GET', '/api/user/self')).body.data
    expect(self.setting).not.toContain('webhook_secret')
    expect((await server.store.users.get(user.userId))!.setting).not.toContain(secret)
  })

  test('one signed notice when the balance crosses the threshold; a credit above it re-arms', async () => {
    await spend(300_000)
    expect(await waitForNotices(1, false)).toBe(0)
    await spend(400_000)
    expect(await waitForNotices(1)).toBe(1)
    const [notice] = receiver.received
    expect(notice!.signature).toBe(`sha256=${createHmac('sha256', secret).update(`${notice!.timestamp}.${notice!.body}`).digest('hex')}`)
    expect(JSON.parse(notice!.body)).toMatchObject({ type: 'quota_exceed', values: { user_id: user.userId, quota: 300_000, threshold: 400_000 } })
    await spend(10_000)
    expect(await waitForNotices(2, false)).toBe(1)
    const [key] = (await root.call('POST', '/api/redemption/', { name: 'refill', count: 1, quota: 500_000 })).body.data as string[]
    expect((await user.call('POST', '/api/user/topup', { key })).body.success).toBe(true)
    await spend(500_000)
    expect(await waitForNotices(2)).toBe(2)
    expect(JSON.parse(receiver.received[1]!.body).values.quota).toBe(290_000)
  }, 20_000)

  test('an e-mail notice goes through the SMTP options to the address given, or the account\'s', async () => {
    const mail = await startTestMailServer({ user: 'notices@example.com', password: 'smtp-pass' })
    try {
      for (const [key, value] of Object.entries({ SMTPServer: '127.0.0.1', SMTPPort: String(mail.port), SMTPAccount: 'notices@example.com', SMTPToken: 'smtp-pass' })) {
        expect((await root.call('PUT', '/api/option/', { key, value })).body.success).toBe(true)
      }
      const created = await root.call('POST', '/api/user/', { username: 'mailed', password: 'password-123', quota: 1_000_000 })
      const mailed = await server.signIn('mailed', 'password-123')
      expect((await mailed.call('PUT', '/api/user/setting', { notify_type: 'email', quota_warning_threshold: 400_000 })).body.code).toBe('email_missing')
      expect((await mailed.call('PUT', '/api/user/setting', { notify_type: 'email', quota_warning_threshold: 400_000, notification_email: 'not-an-address' })).body.code).toBe('invalid_email')
      expect((await mailed.call('PUT', '/api/user/setting', { notify_type: 'email', quota_warning_threshold: 400_000, notification_email: 'Alerts@Example.com' })).body.data)
        .toMatchObject({ notify_type: 'email', notification_email: 'alerts@example.com' })
      server.writer.record({ log: { userId: created.body.data.id, username: 'mailed', createdAt: Math.floor(Date.now() / 1000), type: 2, quota: 700_000 }, spent: 700_000, countRequest: true, tokensUsed: 0 })
      await server.flushUsage()
      const notice = await mail.next('alerts@example.com')
      expect(notice.subject).toBe('Balance below your threshold')
      expect(notice.text).toContain('The balance of mailed is 0.60 USD')
    } finally {
      await mail.close()
    }
  }, 20_000)
})
