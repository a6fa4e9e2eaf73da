import { afterAll, expect, test } from 'bun:test'
import { startMockUpstream, type MockUpstream } from '../../bench/mock-upstream.ts'
import { temporaryDirectory } from '../testing/databases.ts'
import { startGatewayProcess } from '../testing/gateway-process.ts'
import { sendJson } from '../testing/server.ts'

// The symptom of issue 12: after `kill -9` mid-load, 37% of the requests answered 200 had no usage row.
const PASSWORD = 'root-password-for-tests'
const directory = temporaryDirectory()
let upstream: MockUpstream | undefined
afterAll(async () => {
  await upstream?.stop()
  directory.remove()
})

async function signIn(url: string) {
  const login = await sendJson(url, 'POST', '/api/user/login', { username: 'root', password: PASSWORD }, {})
  const cookie = login.headers.get('set-cookie')!.split(';')[0]!
  return (method: string, path: string, body?: unknown) => sendJson(url, method, path, body, { cookie })
}

test('every request answered before a SIGKILL is billed after the restart, and the books balance', async () => {
  upstream = await startMockUpstream({ port: 0, latencyMs: 2 })
  // Flushes far apart: everything answered since the last one lives only in the write-ahead log when the kill lands.
  const env = { DATA_DIR: directory.path, INITIAL_ROOT_PASSWORD: PASSWORD, LOG_FLUSH_INTERVAL_MS: '5000', LOG_FLUSH_ROWS: '100000', WORKER_POOL_SIZE: '1' }
  const first = await startGatewayProcess(env)
  const api = await signIn(first.url)
  expect((await api('POST', '/api/channel/', { mode: 'single', channel: { type: 1, name: 'mock', key: 'sk-upstream', base_url: upstream.url, models: 'gpt-4o-mini', group: 'default' } })).body.success).toBe(true)
  const token = (await api('POST', '/api/token/', { name: 'load', remain_quota: 50_000_000 })).body.data.id as number
  const key = (await api('POST', `/api/token/${token}/key`)).body.data.key as string

  let answered = 0
  let killed = false
  const client = async () => {
    while (!killed) {
      try {
        const response = await fetch(`${first.url}/v1/chat/completions`, {
          method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer sk-${key}` },
          body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], max_tokens: 64 }),
        })
        const body = await response.json() as { choices?: unknown[] }
        if (response.status === 200 && body.choices && !killed) answered++
      } catch { /* the connection died with the process */ }
    }
  }
  const clients = Array.from({ length: 16 }, client)
  while (answered < 400) await Bun.sleep(5)
  first.child.kill('SIGKILL')
  killed = true
  await first.child.exited
  await Promise.all(clients)
  const answeredBeforeKill = answered

  const second = await startGatewayProcess(env)
  try {
    const restarted = await signIn(second.url)
    // The replayed rows are flushed at the first interval; ask until they are there.
    let logged = 0
    for (let attempt = 0; attempt < 200 && logged < answeredBeforeKill; attempt++) {
      logged = (await restarted('GET', '/api/log/?type=2&page_size=1')).body.data.total
      if (logged < answeredBeforeKill) await Bun.sleep(50)
    }
    // Answered ⇒ logged. A few more may be logged: answered by the gateway, cut off before reaching the client.
    expect(logged).toBeGreaterThanOrEqual(answeredBeforeKill)
    expect(logged).toBeLessThanOrEqual(answeredBeforeKill + 16)
    const stat = (await restarted('GET', '/api/log/stat?type=2')).body.data.quota as number
    const row = (await restarted('GET', `/api/token/${token}`)).body.data as { used_quota: number; remain_quota: number }
    expect(row.used_quota).toBe(stat)
    expect(row.remain_quota + row.used_quota).toBe(50_000_000)
  } finally {
    second.child.kill('SIGTERM')
    await second.child.exited
  }
}, 60_000)
