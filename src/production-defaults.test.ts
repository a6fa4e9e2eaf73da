import { expect, test } from 'bun:test'
import { readFileSync } from 'node:fs'
import { startGatewayProcess } from './testing/gateway-process.ts'
import { temporaryDirectory } from './testing/databases.ts'

test('the gateway module loads production defaults before anything imports Elysia', () => {
  const source = readFileSync(new URL('./main.ts', import.meta.url), 'utf8')
  expect(source.match(/^import .*$/m)?.[0]).toBe("import './production-defaults.ts'")
})

test('started with NODE_ENV=development, the real server still answers hostile input in JSON, without stack traces', async () => {
  const directory = temporaryDirectory()
  const { child, url } = await startGatewayProcess({ NODE_ENV: 'development', DATA_DIR: directory.path, INITIAL_ROOT_PASSWORD: 'root-password-for-tests' })
  try {
    const nested = '['.repeat(5000) + ']'.repeat(5000)
    for (const [path, body] of [['/api/user/register', `{"username":${nested},"password":"x12345678"}`], ['/api/user/login', '{"username":'], ['/api/user/login', `{"username":${'['.repeat(60)}1${']'.repeat(60)},"password":"x"}`]] as const) {
      const response = await fetch(url + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body })
      const text = await response.text()
      expect([path, response.status, response.headers.get('content-type')]).toEqual([path, 400, expect.stringContaining('application/json')])
      expect(text).not.toContain(directory.path)
      expect(text).not.toContain('    at ')
      expect(text).not.toContain(process.cwd())
    }
  } finally {
    child.kill()
    await child.exited
    directory.remove()
  }
}, 30_000)
