import { afterAll, describe, expect, test } from 'bun:test'
import { temporaryDirectory } from './testing/databases.ts'
import { startGatewayProcess } from './testing/gateway-process.ts'
import { sendJson } from './testing/server.ts'

const directory = temporaryDirectory()
afterAll(() => directory.remove())

describe('CLUSTER=2 without Redis', () => {
  test('processes share the port, and a change made through one reaches the other within one second', async () => {
    const { child, url } = await startGatewayProcess({ CLUSTER: '2', DATA_DIR: directory.path, INITIAL_ROOT_PASSWORD: 'root-password-1' })
    try {
      // A fresh connection per call lets the kernel spread calls over both processes.
      const call = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => sendJson(url, method, path, body, { connection: 'close', ...headers })
      let login = await call('POST', '/api/user/login', { username: 'root', password: 'root-password-1' })
      for (let attempt = 0; attempt < 50 && !login.body.success; attempt++) {
        await Bun.sleep(100) // the second process may still be starting
        login = await call('POST', '/api/user/login', { username: 'root', password: 'root-password-1' })
      }
      const cookie = login.headers.get('set-cookie')!.split(';')[0]!
      const id = (await call('POST', '/api/token/', { name: 'cluster', unlimited_quota: true }, { cookie })).body.data.id
      const key = (await call('POST', `/api/token/${id}/key`, undefined, { cookie })).body.data.key
      await call('POST', '/api/channel/', { mode: 'single', channel: { type: 1, name: 'c', key: 'k', models: 'gpt-4o-mini' } }, { cookie })
      const models = async () => (await call('GET', '/v1/models', undefined, { authorization: `Bearer sk-${key}` })).status

      await Bun.sleep(200)
      const before = await Promise.all(Array.from({ length: 20 }, models))
      expect(before.every((status) => status === 200)).toBe(true)

      await call('PUT', '/api/token/?status_only=true', { id, status: 2 }, { cookie })
      await Bun.sleep(1000)
      const after = await Promise.all(Array.from({ length: 20 }, models))
      expect(after.every((status) => status === 401)).toBe(true)
    } finally {
      child.kill('SIGTERM')
      await child.exited
    }
  }, 40_000)
})
