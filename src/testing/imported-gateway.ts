import { expect } from 'bun:test'
import OpenAI from 'openai'
import type { MockUpstream } from '../../bench/mock-upstream.ts'
import { verifySession } from './secure-verification.ts'
import { anonymous, startTestServer } from './server.ts'

/**
 * What an operator checks after switching: the real server started on the imported database signs the old root in
 * with the old password (through /api/user/login, rehashing the bcrypt hash to argon2id), and an old `sk-` key
 * relays a chat completion to the imported channel, which reaches the local mock upstream.
 */
export async function expectImportedGatewayWorks(options: {
  env: Record<string, string>
  upstream: MockUpstream
  rootPassword: string
  tokenKey: string
  /** new-api's plain access token of root, which should now authenticate as a personal access token. */
  accessToken?: string
  /** A key whose imported IP allow-list leaves 127.0.0.1 out: refused with 403. */
  ipRestrictedKey?: string
}) {
  const server = await startTestServer({ LOG_FLUSH_INTERVAL_MS: '50', ...options.env })
  try {
    const refused = await anonymous(server).call('POST', '/api/user/login', { username: 'root', password: 'not-the-password' })
    expect(refused.body.success).toBe(false)
    const root = await server.signIn('root', options.rootPassword)
    expect((await server.store.users.get(root.userId))!.passwordHash.startsWith('$argon2id$')).toBe(true)
    await server.signIn('root', options.rootPassword) // and again, now against the argon2id hash
    expect((await root.call('GET', '/api/user/self')).body.data.username).toBe('root')
    // Revealing a key needs a fresh verification of the session.
    await verifySession(root)
    expect((await root.call('POST', '/api/channel/1/key')).body.data.key).toBe('sk-upstream-one')
    if (options.accessToken) {
      const self = await anonymous(server).call('GET', '/api/user/self', undefined, { authorization: options.accessToken })
      expect(self.body.data?.username).toBe('root')
    }

    const requestsBefore = options.upstream.requests
    const client = new OpenAI({ apiKey: `sk-${options.tokenKey}`, baseURL: `${server.url}/v1`, maxRetries: 0 })
    const completion = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hello after the move' }] })
    expect(completion.choices[0]!.message.content?.length).toBeGreaterThan(0)
    expect(options.upstream.requests).toBe(requestsBefore + 1)
    expect(options.upstream.lastRequest?.headers.authorization).toBe('Bearer sk-upstream-one')

    if (options.ipRestrictedKey) {
      const denied = await fetch(`${server.url}/v1/chat/completions`, {
        method: 'POST', headers: { authorization: `Bearer sk-${options.ipRestrictedKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
      })
      expect(denied.status).toBe(403)
    }

    // The usage row lands after the imported ones: ids (and Postgres sequences) continue past them.
    await server.flushUsage()
    const logs = (await root.call('GET', '/api/log/?p=1&page_size=100')).body.data.items as { id: number; model_name: string; type: number }[]
    const newest = logs.reduce((top, log) => (log.id > top.id ? log : top))
    expect(newest.model_name).toBe('gpt-4o-mini')
    expect(newest.type).toBe(2)
    expect(logs.filter((log) => log.id === newest.id)).toHaveLength(1)
  } finally {
    await server.dispose()
  }
}
