import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import postgres from 'postgres'
import { startMockUpstream, type MockUpstream } from '../../bench/mock-upstream.ts'
import { createPostgresDatabase, postgresUrl } from '../testing/databases.ts'
import { startTestServer, type TestServer } from '../testing/server.ts'
import { startCuttableProxy, type CuttableProxy } from '../testing/tcp-proxy.ts'

if (!postgresUrl) console.warn('[tests] database outage suite skipped: needs TEST_DATABASE_URL')

describe.skipIf(!postgresUrl)('Postgres unreachable for 10 s under load', () => {
  let upstream: MockUpstream
  let proxy: CuttableProxy
  let server: TestServer
  let database: { url: string; drop(): Promise<void> }

  beforeAll(async () => {
    database = await createPostgresDatabase()
    const direct = new URL(database.url)
    proxy = startCuttableProxy({ hostname: direct.hostname, port: Number(direct.port || 5432) })
    const proxied = new URL(database.url)
    proxied.port = String(proxy.port)
    upstream = await startMockUpstream({ latencyMs: 5 })
    server = await startTestServer({ DATABASE_URL: proxied.toString(), LOG_FLUSH_INTERVAL_MS: '200' })
  })
  afterAll(async () => {
    await server?.dispose()
    proxy?.stop()
    await upstream?.stop()
    await database?.drop()
  }, 20_000)

  test('no usage row is lost', async () => {
    const root = await server.signIn()
    await root.call('POST', '/api/channel/', { mode: 'single', channel: { type: 1, name: 'mock', key: 'k', base_url: upstream.url, models: 'gpt-4o-mini' } })
    const tokenId = (await root.call('POST', '/api/token/', { name: 'outage', unlimited_quota: true })).body.data.id
    const key = (await root.call('POST', `/api/token/${tokenId}/key`)).body.data.key

    let answered = 0
    let running = true
    const worker = async () => {
      while (running) {
        const response = await fetch(`${server.url}/v1/chat/completions`, {
          method: 'POST', headers: { authorization: `Bearer sk-${key}`, 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
        })
        if (response.ok) answered++
        await response.arrayBuffer()
      }
    }
    const load = Promise.all(Array.from({ length: 8 }, worker))
    let answeredBeforeOutage = 0
    let queuedDuringOutage = 0
    try {
      await Bun.sleep(1000)
      proxy.cut()
      answeredBeforeOutage = answered
      await Bun.sleep(10_000)
      queuedDuringOutage = server.writer.stats().queuedRows
      proxy.restore()
      await Bun.sleep(1000)
    } finally {
      running = false
      await load
    }
    // Phase times go to the log so that a run that overstays its limit says where it waited.
    const loadEnded = Date.now()
    expect(answered).toBeGreaterThan(answeredBeforeOutage) // the relay kept serving from its caches
    expect(queuedDuringOutage).toBeGreaterThan(0) // and kept the rows it could not write

    for (let attempt = 0; attempt < 100 && server.writer.stats().queuedRows > 0; attempt++) {
      await server.flushUsage()
      await Bun.sleep(100)
    }
    console.log(`[tests] outage: load stopped, queue drained in ${Date.now() - loadEnded} ms (${JSON.stringify(server.writer.stats())})`)
    const direct = postgres(database.url, { max: 1, onnotice: () => {} })
    const [{ count }] = await direct`select count(*)::int as count from logs where type = 2`
    const [{ used }] = await direct`select used_quota::bigint as used from tokens where id = ${tokenId}`
    const [{ total }] = await direct`select coalesce(sum(quota), 0)::bigint as total from logs where type = 2`
    await direct.end()
    console.log(`[tests] outage: ${answered} answered (${answered - answeredBeforeOutage} during and after the 10 s outage), ${count} rows`)
    expect(count).toBe(answered)
    expect(Number(used)).toBe(Number(total))
  }, 40_000)
})
