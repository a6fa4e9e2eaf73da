import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { Database } from 'bun:sqlite'
import { join } from 'node:path'
import { startMockUpstream, type MockUpstream } from '../../bench/mock-upstream.ts'
import { temporaryDirectory } from '../testing/databases.ts'
import { sendJson } from '../testing/server.ts'
import { startGatewayProcess } from '../testing/gateway-process.ts'

// The real entrypoint in a child process, so SIGTERM is a real signal.
let upstream: MockUpstream
const directory = temporaryDirectory()
beforeAll(async () => { upstream = await startMockUpstream({ latencyMs: 300, jitterMs: 200 }) })
afterAll(async () => {
  await upstream.stop()
  directory.remove()
})

const startGateway = () => startGatewayProcess({ DATA_DIR: directory.path, INITIAL_ROOT_PASSWORD: 'root-password-1', LOG_FLUSH_INTERVAL_MS: '5000' })

describe('graceful shutdown', () => {
  test('SIGTERM under load leaves a log row for every answered request', async () => {
    const { child, url } = await startGateway()
    const login = await sendJson(url, 'POST', '/api/user/login', { username: 'root', password: 'root-password-1' }, {})
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!
    await sendJson(url, 'POST', '/api/channel/', { mode: 'single', channel: { type: 1, name: 'mock', key: 'k', base_url: upstream.url, models: 'gpt-4o-mini' } }, { cookie })
    const tokenId = (await sendJson(url, 'POST', '/api/token/', { name: 'load', unlimited_quota: true }, { cookie })).body.data.id
    const key = (await sendJson(url, 'POST', `/api/token/${tokenId}/key`, undefined, { cookie })).body.data.key

    // 150 requests in flight (upstream takes 300-500 ms), half streaming; SIGTERM lands while they are running.
    const requests = Array.from({ length: 150 }, (_, index) => fetch(`${url}/v1/chat/completions`, {
      method: 'POST', headers: { authorization: `Bearer sk-${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: `request ${index}` }], stream: index % 2 === 0 }),
    }).then(async (response) => (response.ok && (await response.text()).length > 0 ? 1 : 0), () => 0))
    await Bun.sleep(150)
    child.kill('SIGTERM')
    const answered = (await Promise.all(requests)).reduce((sum: number, ok) => sum + ok, 0)
    expect(await child.exited).toBe(0)
    expect(answered).toBe(150)

    const database = new Database(join(directory.path, 'tollgate.db'), { readonly: true })
    const rows = database.query('select count(*) as count from logs where type = 2').get() as { count: number }
    database.close()
    expect(rows.count).toBe(answered)
  }, 30_000)
})
