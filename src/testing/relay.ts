import OpenAI from 'openai'
import { startMockUpstream, type MockUpstream, type MockUpstreamOptions } from '../../bench/mock-upstream.ts'
import { startTestServer, type ApiClient, type TestServer } from './server.ts'

/** A gateway, a mock upstream on a real port, root's API client, and helpers to add channels and tokens. */
export interface RelayHarness {
  server: TestServer
  upstream: MockUpstream
  root: ApiClient
  addChannel(fields?: Record<string, unknown>, mode?: string): Promise<number>
  /** Create a token for root (or the given client) and return `sk-<key>` with its id. */
  addToken(fields?: Record<string, unknown>, owner?: ApiClient): Promise<{ id: number; key: string }>
  setOption(key: string, value: unknown): Promise<void>
  client(key: string, options?: { maxRetries?: number }): OpenAI
  dispose(): Promise<void>
}

export async function startRelayHarness(options: { env?: Record<string, string>; upstream?: MockUpstreamOptions } = {}): Promise<RelayHarness> {
  const upstream = await startMockUpstream({ port: 0, ...options.upstream })
  const server = await startTestServer({ LOG_FLUSH_INTERVAL_MS: '50', ...options.env })
  const root = await server.signIn()
  return {
    server, upstream, root,
    async addChannel(fields = {}, mode = 'single') {
      const response = await root.call('POST', '/api/channel/', { mode, channel: { type: 1, name: 'mock', key: 'sk-upstream', base_url: upstream.url, models: 'gpt-4o-mini', group: 'default', ...fields } })
      if (!response.body.success) throw new Error(`channel creation failed: ${JSON.stringify(response.body)}`)
      return response.body.data[0].id
    },
    async addToken(fields = {}, owner = root) {
      const created = await owner.call('POST', '/api/token/', { name: 'test', unlimited_quota: true, ...fields })
      if (!created.body.success) throw new Error(`token creation failed: ${JSON.stringify(created.body)}`)
      const key = (await owner.call('POST', `/api/token/${created.body.data.id}/key`)).body.data.key
      return { id: created.body.data.id, key: `sk-${key}` }
    },
    async setOption(key, value) {
      const response = await root.call('PUT', '/api/option/', { key, value: typeof value === 'string' ? value : JSON.stringify(value) })
      if (!response.body.success) throw new Error(`option ${key} refused: ${response.body.message}`)
    },
    client: (key, clientOptions = {}) => new OpenAI({ apiKey: key, baseURL: `${server.url}/v1`, maxRetries: clientOptions.maxRetries ?? 0 }),
    async dispose() {
      await server.dispose()
      await upstream.stop()
    },
  }
}
