/**
 * `bun bench/soak.ts [--minutes 10] [--connections 32]`: the soak scenario of issue 12. The gateway runs in its own
 * process against the mock upstream (1 % of upstream calls fail) while clients send a mix: OpenAI non-stream and
 * stream, Anthropic-format requests converted to the OpenAI channel, stream and not, and 1 % of streams aborted by
 * the client mid-way. Every 10 s it prints the gateway's RSS, open file descriptors and TCP connections; at the end
 * it checks that sockets, descriptors and RSS did not grow after the first sample, and the books: the token's used quota equals the sum of its logged quota, remain + used is what it started
 * with, and every answered request has its row. Exits non-zero when a check fails.
 */
import { readdirSync, readFileSync, readlinkSync, rmSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { startGatewayProcess } from '../src/testing/gateway-process.ts'
import { startMockUpstream } from './mock-upstream.ts'

const { values } = parseArgs({ options: { minutes: { type: 'string', default: '10' }, connections: { type: 'string', default: '32' } } })
const seconds = Number(values.minutes) * 60
const connections = Number(values.connections)
const QUOTA = 1_000_000_000
const password = 'root-password-for-soak'
const dataDir = mkdtempSync(join(tmpdir(), 'tollgate-soak-'))
const upstream = await startMockUpstream({ port: 0, latencyMs: 5, jitterMs: 10, chunkCount: 20, chunkIntervalMs: 2, failureRate: 0.01, failureStatus: 500 })
const { child, url } = await startGatewayProcess({ DATA_DIR: dataDir, INITIAL_ROOT_PASSWORD: password, BUN_CONFIG_MAX_HTTP_REQUESTS: '16384' })

const call = async (method: string, path: string, body?: unknown, cookie = '') => {
  const response = await fetch(url + path, { method, headers: { 'content-type': 'application/json', cookie }, body: body === undefined ? undefined : JSON.stringify(body) })
  return { headers: response.headers, body: await response.json() as any }
}
const cookie = (await call('POST', '/api/user/login', { username: 'root', password })).headers.get('set-cookie')!.split(';')[0]!
await call('POST', '/api/channel/', { mode: 'single', channel: { type: 1, name: 'mock', key: 'sk-upstream', base_url: upstream.url, models: 'gpt-4o-mini', group: 'default', auto_ban: 0 } }, cookie)
const tokenId = (await call('POST', '/api/token/', { name: 'soak', remain_quota: QUOTA }, cookie)).body.data.id as number
const key = 'sk-' + (await call('POST', `/api/token/${tokenId}/key`, undefined, cookie)).body.data.key

const procStatus = () => {
  const rss = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))![1]) / 1024
  const fds = readdirSync(`/proc/${child.pid}/fd`)
  const sockets = fds.filter((fd) => { try { return readlinkSync(`/proc/${child.pid}/fd/${fd}`).startsWith('socket:') } catch { return false } }).length
  return { rss, fds: fds.length, sockets }
}

const counts = { ok: 0, failed: 0, aborted: 0, errors: 0 }
let stop = false
let seed = 1
const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648)
async function client() {
  while (!stop) {
    const stream = random() < 0.5
    // A third in Anthropic's format: converted to the OpenAI channel and back.
    const anthropic = random() < 0.33
    const abort = stream && random() < 0.01
    const controller = new AbortController()
    const path = anthropic ? '/v1/messages' : '/v1/chat/completions'
    const body = { model: 'gpt-4o-mini', max_tokens: 128, stream, messages: [{ role: 'user', content: 'hi' }] }
    try {
      const response = await fetch(url + path, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}`, 'x-api-key': key }, body: JSON.stringify(body), signal: controller.signal })
      if (abort && response.body) {
        const reader = response.body.getReader()
        await reader.read()
        controller.abort()
        counts.aborted++
        continue
      }
      await response.arrayBuffer()
      if (response.status === 200) counts.ok++
      else counts.failed++
    } catch {
      if (!abort) counts.errors++
    }
  }
}

const idle = procStatus()
console.log(`idle: RSS ${idle.rss.toFixed(0)} MB, ${idle.fds} fds (${idle.sockets} sockets)`)
const started = Date.now()
const clients = Array.from({ length: connections }, client)
const samples: ReturnType<typeof procStatus>[] = []
const sampler = setInterval(() => {
  const now = procStatus()
  samples.push(now)
  console.log(`${Math.round((Date.now() - started) / 1000)} s: RSS ${now.rss.toFixed(0)} MB, ${now.fds} fds (${now.sockets} sockets), ${JSON.stringify(counts)}`)
}, 10_000)
await Bun.sleep(seconds * 1000)
stop = true
await Promise.all(clients)
clearInterval(sampler)
await Bun.sleep(3000) // settlements and the next flush
const end = procStatus()

const stat = (await call('GET', `/api/log/stat?type=2&token_name=soak`, undefined, cookie)).body.data.quota as number
const rows = (await call('GET', '/api/log/?type=2&page_size=1', undefined, cookie)).body.data.total as number
const token = (await call('GET', `/api/token/${tokenId}`, undefined, cookie)).body.data as { used_quota: number; remain_quota: number }
const checks = {
  'used quota = sum of logged quota': token.used_quota === stat,
  'remain + used = initial': token.remain_quota + token.used_quota === QUOTA,
  'every answered request is logged (aborted streams are billed too)': rows >= counts.ok && rows <= counts.ok + counts.aborted,
  // Keep-alive connections (clients to the gateway, the gateway to the mock) stay open; a leak would grow with time.
  'no growth of sockets or fds after the first sample (no leaked connections)': end.sockets <= (samples[0]?.sockets ?? end.sockets) + 2 && end.fds <= (samples[0]?.fds ?? end.fds) + 2,
  'RSS at the end within 1.5 x the first loaded sample (no leak)': end.rss <= 1.5 * (samples[0]?.rss ?? end.rss),
}
const peak = Math.max(...samples.map((sample) => sample.rss))
console.log(`end: RSS ${end.rss.toFixed(0)} MB (peak ${peak.toFixed(0)}), ${end.fds} fds (${end.sockets} sockets); requests ${JSON.stringify(counts)}; ${rows} consume rows; used ${token.used_quota}, logged ${stat}`)
for (const [name, passed] of Object.entries(checks)) console.log(`${passed ? 'ok  ' : 'FAIL'} ${name}`)
child.kill('SIGTERM')
await child.exited
await upstream.stop()
rmSync(dataDir, { recursive: true, force: true })
process.exit(Object.values(checks).every(Boolean) ? 0 : 1)
