import { Database } from 'bun:sqlite'
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { existsSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { ensureAdminBuilt, repositoryRoot } from '../../admin/tests/harness.ts'
import { startMockUpstream, type MockUpstream } from '../../bench/mock-upstream.ts'
import { temporaryDirectory } from '../testing/databases.ts'
import { startGatewayProcess } from '../testing/gateway-process.ts'
import { createSqliteLegacyDatabase } from '../testing/legacy-databases.ts'

/**
 * The compiled binary as a newcomer runs it: built by `src/build/compile.ts`, started from an empty folder far from
 * the checkout, with a relative DATA_DIR. It must serve the console, run its migrations, start its SQLite writer
 * thread and its token-counting workers (both embedded entry points), relay, and flush usage on SIGTERM.
 */
describe('the compiled binary', () => {
  const folder = temporaryDirectory('tollgate-binary-')
  const binary = join(folder.path, 'bin', 'tollgate')
  const workingDirectory = join(folder.path, 'empty-folder')
  let upstream: MockUpstream
  let gateway: Awaited<ReturnType<typeof startGatewayProcess>>

  beforeAll(async () => {
    ensureAdminBuilt()
    const build = Bun.spawnSync([process.execPath, join(repositoryRoot, 'src/build/compile.ts'), '--outdir', join(folder.path, 'bin')], { stdout: 'pipe', stderr: 'pipe' })
    if (build.exitCode !== 0) throw new Error(`compile failed:\n${build.stdout}\n${build.stderr}`)
    mkdirSync(workingDirectory)
    // The token counter is only needed when the upstream reports no usage: make it so, to exercise the workers.
    upstream = await startMockUpstream({ omitUsage: true, chunkCount: 4 })
    gateway = await startGatewayProcess({ DATA_DIR: 'state', INITIAL_ROOT_PASSWORD: 'binary-root-password', LOG_FLUSH_INTERVAL_MS: '60000', STREAM_CONVERSION: 'worker' }, { command: [binary], cwd: workingDirectory })
  }, 60_000)
  afterAll(async () => {
    gateway?.child.kill('SIGKILL')
    await upstream?.stop()
    folder.remove()
  })

  test('serves the console, relays, counts in its workers and flushes usage on SIGTERM', async () => {
    const page = await fetch(`${gateway.url}/channels`)
    expect(page.status).toBe(200)
    expect(await page.text()).toContain('<div id="root">')
    // The API docs' UI is embedded too (served without a CDN).
    expect((await fetch(`${gateway.url}/swagger/assets/swagger-ui-bundle.js`)).status).toBe(200)
    expect((await (await fetch(`${gateway.url}/swagger/json`)).json()).openapi).toStartWith('3.')

    const login = await fetch(`${gateway.url}/api/user/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'root', password: 'binary-root-password' }) })
    expect((await login.json()).success).toBe(true)
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!
    const call = async (method: string, path: string, body?: unknown) => (await fetch(`${gateway.url}${path}`, { method, headers: { cookie, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) })).json()
    expect((await call('POST', '/api/channel/', { mode: 'single', channel: { type: 1, name: 'mock', key: 'sk-upstream', base_url: upstream.url, models: 'gpt-4o-mini' } })).success).toBe(true)
    // Libraries loaded on first use are chunks of the binary: the passkey one must load there too (it did not once).
    for (const [option, value] of [['passkey.enabled', 'true'], ['passkey.rp_id', 'localhost'], ['passkey.origins', 'http://localhost:3000']]) {
      expect((await call('PUT', '/api/option/', { key: option, value })).success).toBe(true)
    }
    const passkey = await call('POST', '/api/user/passkey/register/begin')
    expect([passkey.success, typeof passkey.data?.options?.challenge]).toEqual([true, 'string'])
    const tokenId = (await call('POST', '/api/token/', { name: 'binary', unlimited_quota: true })).data.id
    const key = `sk-${(await call('POST', `/api/token/${tokenId}/key`)).data.key}`

    const relay = (path: string, body: unknown) => fetch(`${gateway.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(body) })
    const chat = await relay('/v1/chat/completions', { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hello from the binary' }] })
    expect(chat.status).toBe(200)
    expect((await chat.json()).choices[0].message.content.length).toBeGreaterThan(0)
    // An Anthropic client on an OpenAI channel, streamed: the conversion runs in a pool worker (STREAM_CONVERSION=worker).
    const converted = await relay('/v1/messages', { model: 'gpt-4o-mini', max_tokens: 64, stream: true, messages: [{ role: 'user', content: 'Hello again' }] })
    expect(converted.status).toBe(200)
    expect(await converted.text()).toContain('event: message_stop')

    // The flush interval is a minute: only the SIGTERM flush can have written the rows.
    gateway.child.kill('SIGTERM')
    expect(await gateway.child.exited).toBe(0)
    const file = join(workingDirectory, 'state', 'tollgate.db')
    expect(existsSync(file)).toBe(true)
    const database = new Database(file, { readonly: true })
    const rows = database.query('select prompt_tokens, completion_tokens, request_id from logs where type = 2').all() as { prompt_tokens: number; completion_tokens: number }[]
    database.close()
    expect(rows).toHaveLength(2)
    // Counted by the workers, since the upstream reported nothing.
    for (const row of rows) expect(row.prompt_tokens).toBeGreaterThan(0)
  }, 60_000)

  test('`tollgate import` copies a one-api database', () => {
    const legacy = join(workingDirectory, 'one-api.db')
    createSqliteLegacyDatabase(legacy, 'one-api')
    const run = Bun.spawnSync([binary, 'import', legacy], { cwd: workingDirectory, env: { ...process.env, DATA_DIR: 'imported' }, stdout: 'pipe', stderr: 'pipe' })
    // Progress goes to standard error, the report to standard output.
    expect(run.exitCode).toBe(0)
    expect(run.stdout.toString()).toContain('Done.')
    const database = new Database(join(workingDirectory, 'imported', 'tollgate.db'), { readonly: true })
    const users = (database.query('select count(*) as count from users').get() as { count: number }).count
    database.close()
    expect(users).toBeGreaterThan(0)
  }, 60_000)
})
