/**
 * The systems a scenario loads, all behind one shape: the mock upstream called directly, the bare proxy,
 * Tollgate (set up through its own management API only) and optional peers (Portkey on Node).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { findFreePort, spawnAnnouncingServer, spawnHttpServer, treeRssMegabytes } from './processes.ts'
import type { ChildServer } from './processes.ts'
import type { LoadRequest } from './load.ts'

export const repositoryRoot = new URL('..', import.meta.url).pathname
export const benchDirectory = new URL('.', import.meta.url).pathname

/** Model names the bench asks for: one routed to an OpenAI-type channel, one to an Anthropic-type channel. */
export const benchModel = 'bench-model'
export const anthropicBenchModel = 'claude-bench'

export interface Target {
  /** Column key in results: direct, bare, tollgate, tollgate-worker, tollgate-cluster, portkey. */
  id: string
  label: string
  /** Root of the process tree whose memory is this target's. */
  pid: number
  /** Memory right after start (and set-up), MB. */
  idleRssMegabytes: number
  /** A chat request in OpenAI format, served by an OpenAI-format upstream. */
  chat(body: string): LoadRequest
  /**
   * The conversion scenario: an OpenAI client served by an Anthropic-format upstream. Direct and bare have
   * no converter, so they carry the native Anthropic request to /v1/messages (the floor for that stream).
   */
  chatViaAnthropic(openaiBody: string, anthropicBody: string): LoadRequest
  stop(): Promise<void>
  logTail(): string
}

export interface MockProcess extends ChildServer {
  setOptions(partial: Record<string, unknown>): Promise<void>
}

export async function startMockProcess(): Promise<MockProcess> {
  const child = await spawnAnnouncingServer('mock upstream', ['bun', join(benchDirectory, 'mock-upstream.ts'), '--port', '0'], {
    env: { BUN_CONFIG_MAX_HTTP_REQUESTS: '8192' },
  })
  return {
    ...child,
    async setOptions(partial) {
      const response = await fetch(`${child.url}/__mock/options`, { method: 'POST', body: JSON.stringify(partial) })
      if (!response.ok) throw new Error(`mock upstream refused options: ${response.status} ${await response.text()}`)
    },
  }
}

/** Settles for a moment so start-up garbage is collected before the idle figure is read. */
async function idleRss(pid: number): Promise<number> {
  await Bun.sleep(1000)
  return treeRssMegabytes(pid)
}

export async function directTarget(mock: MockProcess): Promise<Target> {
  return {
    id: 'direct',
    label: 'mock direct',
    pid: mock.pid,
    idleRssMegabytes: await idleRss(mock.pid),
    chat: (body) => ({ url: `${mock.url}/v1/chat/completions`, body }),
    chatViaAnthropic: (_openaiBody, anthropicBody) => ({ url: `${mock.url}/v1/messages`, body: anthropicBody, headers: { 'anthropic-version': '2023-06-01' } }),
    stop: async () => {},
    logTail: mock.logTail,
  }
}

export async function bareProxyTarget(mock: MockProcess): Promise<Target> {
  // The floor must not be held back by Bun's default cap of 256 in-flight fetches.
  const proxy = await spawnAnnouncingServer('bare proxy', ['bun', join(benchDirectory, 'bare-proxy.ts'), '--upstream', mock.url, '--port', '0'], {
    env: { BUN_CONFIG_MAX_HTTP_REQUESTS: '8192' },
  })
  return {
    id: 'bare',
    label: 'bare proxy',
    pid: proxy.pid,
    idleRssMegabytes: await idleRss(proxy.pid),
    chat: (body) => ({ url: `${proxy.url}/v1/chat/completions`, body }),
    chatViaAnthropic: (_openaiBody, anthropicBody) => ({ url: `${proxy.url}/v1/messages`, body: anthropicBody, headers: { 'anthropic-version': '2023-06-01' } }),
    stop: proxy.stop,
    logTail: proxy.logTail,
  }
}

interface Envelope {
  success: boolean
  message?: string
  data?: unknown
}

/** A signed-in management API session (new-api routes and envelope). */
export class ManagementClient {
  private cookie = ''
  private userId = 0

  constructor(readonly baseUrl: string) {}

  async login(username: string, password: string): Promise<void> {
    const response = await fetch(`${this.baseUrl}/api/user/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password }),
    })
    const envelope = (await response.json().catch(() => ({ success: false, message: `HTTP ${response.status}` }))) as Envelope
    if (!envelope.success) throw new Error(`POST /api/user/login: ${envelope.message ?? response.status}`)
    this.cookie = response.headers.getSetCookie().map((cookie) => cookie.split(';')[0]).join('; ')
    const data = envelope.data as { id?: number; user?: { id?: number } } | undefined
    this.userId = data?.id ?? data?.user?.id ?? 0
  }

  async call<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: {
        'content-type': 'application/json',
        ...(this.cookie ? { cookie: this.cookie } : {}),
        ...(this.userId ? { 'new-api-user': String(this.userId) } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    const text = await response.text()
    let envelope: Envelope
    try {
      envelope = JSON.parse(text) as Envelope
    } catch {
      throw new Error(`${method} ${path}: HTTP ${response.status}, not JSON: ${text.slice(0, 200)}`)
    }
    if (!envelope.success) throw new Error(`${method} ${path}: HTTP ${response.status}: ${envelope.message ?? text.slice(0, 200)}`)
    return envelope.data as T
  }
}

export interface TollgateSettings {
  id: string
  label: string
  mockUrl: string
  env?: Record<string, string | undefined>
  /** Extra flags for `bun` itself, e.g. --cpu-prof (bench --profile). */
  bunFlags?: string[]
  log: (line: string) => void
}

export interface TollgateTarget extends Target {
  management: ManagementClient
  dataDirectory: string
}

/**
 * Starts `bun src/index.ts` with its own DATA_DIR and sets it up exactly as an operator would: sign in as
 * root, add an OpenAI channel and an Anthropic channel pointing at the mock, price the bench models, create a
 * token. Returns an Error (never throws) so the run can go on without the Tollgate column.
 */
export async function startTollgate(settings: TollgateSettings): Promise<TollgateTarget | Error> {
  // TOLLGATE_ROOT runs another checkout (a worktree of an earlier commit) for before/after comparisons.
  const { TOLLGATE_ROOT: otherRoot, ...settingsEnv } = settings.env ?? {}
  // TOKEN_<field>=<number> sets a field of the bench token (TOKEN_rpm_limit=1000000000: one rate limit on).
  const env: Record<string, string | undefined> = {}
  const tokenFields: Record<string, number> = {}
  for (const [name, value] of Object.entries(settingsEnv)) {
    if (name.startsWith('TOKEN_')) tokenFields[name.slice('TOKEN_'.length)] = Number(value)
    else env[name] = value
  }
  const root = otherRoot ?? repositoryRoot
  if (!existsSync(join(root, 'src/index.ts'))) return new Error(`${root}/src/index.ts does not exist`)
  const dataDirectory = mkdtempSync(join(tmpdir(), 'tollgate-bench-'))
  const password = `bench-${crypto.randomUUID().slice(0, 18)}`
  const port = findFreePort()
  const server = await spawnHttpServer(settings.label, ['bun', ...(settings.bunFlags ?? []), join(root, 'src/index.ts')], {
    cwd: root,
    port,
    readyPath: '/api/status',
    env: {
      PORT: String(port),
      HOST: '127.0.0.1',
      DATA_DIR: dataDirectory,
      INITIAL_ROOT_PASSWORD: password,
      SESSION_SECRET: crypto.randomUUID(),
      CRYPTO_SECRET: crypto.randomUUID(),
      // As the gateway sets it for itself (src/runtime-environment.ts); an older checkout run here may not.
      BUN_CONFIG_MAX_HTTP_REQUESTS: '16384',
      ...env,
    },
  })
  if (server instanceof Error) {
    rmSync(dataDirectory, { recursive: true, force: true })
    return server
  }
  const stop = async () => {
    await server.stop()
    rmSync(dataDirectory, { recursive: true, force: true })
  }
  try {
    const management = new ManagementClient(server.url)
    await management.login('root', password)
    const channels: [number, string, string][] = [[1, 'bench-openai', benchModel], [14, 'bench-anthropic', anthropicBenchModel]]
    for (const [type, name, models] of channels) {
      await management.call('POST', '/api/channel/', {
        mode: 'single',
        channel: { type, name, key: 'sk-mock-upstream', base_url: settings.mockUrl, models, group: 'default' },
      })
    }
    // A tiny ratio keeps quota far from exhaustion however long the run.
    await management.call('PUT', '/api/option/', { key: 'ModelRatio', value: JSON.stringify({ [benchModel]: 0.001, [anthropicBenchModel]: 0.001 }) })
    await management.call('PUT', '/api/option/', { key: 'CompletionRatio', value: JSON.stringify({ [benchModel]: 1, [anthropicBenchModel]: 1 }) })
    const created = await management.call<{ id?: number } | null>('POST', '/api/token/', {
      name: 'bench', remain_quota: 0, unlimited_quota: true, expired_time: -1,
      model_limits_enabled: false, model_limits: '', allow_ips: '', group: '', ...tokenFields,
    })
    let tokenId = created?.id
    if (tokenId === undefined) {
      const listed = await management.call<{ items?: { id: number; name: string }[] } | { id: number; name: string }[]>('GET', '/api/token/?p=1&page_size=100')
      const items = Array.isArray(listed) ? listed : (listed.items ?? [])
      tokenId = items.find((token) => token.name === 'bench')?.id
    }
    if (tokenId === undefined) throw new Error('the created token does not appear in GET /api/token/')
    const { key } = await management.call<{ key: string }>('POST', `/api/token/${tokenId}/key`)
    const authorization = { authorization: `Bearer sk-${key}` }
    const target: TollgateTarget = {
      id: settings.id,
      label: settings.label,
      pid: server.pid,
      idleRssMegabytes: 0,
      management,
      dataDirectory,
      chat: (body) => ({ url: `${server.url}/v1/chat/completions`, body, headers: authorization }),
      chatViaAnthropic: (openaiBody) => ({ url: `${server.url}/v1/chat/completions`, body: openaiBody, headers: authorization }),
      stop,
      logTail: server.logTail,
    }
    // Idle means started and configured, before the first relay request.
    target.idleRssMegabytes = await idleRss(server.pid)
    await smokeTest(target, settings)
    settings.log(`${settings.label}: up on ${server.url} (pid ${server.pid}), channel + token set up through /api`)
    return target
  } catch (error) {
    const message = `${(error as Error).message}\n--- ${settings.label} log tail ---\n${server.logTail()}`
    await stop()
    return new Error(message)
  }
}

/**
 * Every process must serve the bench token before measuring starts. A cluster spreads connections over its
 * processes, and one that loaded its caches before the set-up only learns of the new channel and token through
 * the invalidation bus (Redis) or its periodic resync: many connections at once, fresh each round, until all
 * succeed, bounded by a little over the default SYNC_FREQUENCY.
 */
async function smokeTest(target: Target, settings: TollgateSettings): Promise<void> {
  const smoke = target.chat(JSON.stringify({ model: benchModel, messages: [{ role: 'user', content: 'ping' }] }))
  const started = performance.now()
  const rounds = settings.env?.CLUSTER && !['0', '1'].includes(settings.env.CLUSTER) ? 90 : 1
  let lastFailure = ''
  for (let round = 0; round < rounds; round++) {
    const answers = await Promise.all(Array.from({ length: rounds > 1 ? 32 : 1 }, async () => {
      const response = await fetch(smoke.url, { method: 'POST', headers: { 'content-type': 'application/json', connection: 'close', ...smoke.headers }, body: smoke.body })
      return { status: response.status, text: await response.text() }
    }))
    const failed = answers.find((answer) => answer.status !== 200)
    if (!failed) {
      if (round > 0) settings.log(`${settings.label}: every process served the bench token only after ${((performance.now() - started) / 1000).toFixed(1)} s (last failure: ${lastFailure})`)
      return
    }
    lastFailure = `${failed.status} ${failed.text.slice(0, 200)}`
    if (round === 0 && rounds > 1) settings.log(`${settings.label}: some cluster processes refuse the new token (${lastFailure}); waiting for them`)
    if (rounds > 1) await Bun.sleep(1000)
  }
  throw new Error(`smoke request POST /v1/chat/completions answered ${lastFailure}`)
}

export const peersDirectory = join(benchDirectory, 'peers')
const portkeyEntry = join(peersDirectory, 'node_modules/@portkey-ai/gateway/build/start-server.js')
/** Newer hono / @hono/node-server break Portkey 1.15.2's streaming; bench/peers/package.json pins all three. */
const portkeyPins: Record<string, string> = { '@portkey-ai/gateway': '1.15.2', hono: '4.9.7', '@hono/node-server': '1.13.5' }

async function installPortkey(log: (line: string) => void): Promise<Error | undefined> {
  const installedVersion = (name: string) => {
    try {
      return (JSON.parse(readFileSync(join(peersDirectory, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version
    } catch {
      return undefined
    }
  }
  const mismatched = () => Object.entries(portkeyPins).filter(([name, version]) => installedVersion(name) !== version)
  if (mismatched().length === 0) return undefined
  log('portkey: installing pinned @portkey-ai/gateway@1.15.2, hono@4.9.7, @hono/node-server@1.13.5 under bench/peers/ (npm)')
  const install = Bun.spawn(['npm', 'install', '--no-audit', '--no-fund', '--ignore-scripts'], { cwd: peersDirectory, stdout: 'pipe', stderr: 'pipe' })
  const finished = await Promise.race([install.exited, Bun.sleep(300_000).then(() => null)])
  if (finished === null) {
    install.kill('SIGKILL')
    return new Error('npm install in bench/peers did not finish within 5 minutes')
  }
  if (finished !== 0) return new Error(`npm install in bench/peers failed: ${(await new Response(install.stderr).text()).slice(-800)}`)
  const wrong = mismatched()
  if (wrong.length > 0) return new Error(`bench/peers has the wrong versions after install: ${wrong.map(([name]) => `${name}@${installedVersion(name)}`).join(', ')}`)
  return undefined
}

/** Portkey's open-source gateway on Node, routed to the mock through its custom-host header. */
export async function startPortkey(mockUrl: string, log: (line: string) => void): Promise<Target | Error> {
  const installError = await installPortkey(log)
  if (installError) return installError
  const port = findFreePort()
  const server = await spawnHttpServer('portkey', ['node', portkeyEntry, `--port=${port}`, '--headless'], {
    cwd: peersDirectory,
    port,
    readyPath: '/',
    env: { NODE_ENV: 'production' },
  })
  if (server instanceof Error) return server
  const openaiHeaders = { 'x-portkey-provider': 'openai', 'x-portkey-custom-host': `${mockUrl}/v1`, authorization: 'Bearer sk-mock-upstream' }
  const anthropicHeaders = { 'x-portkey-provider': 'anthropic', 'x-portkey-custom-host': `${mockUrl}/v1`, 'x-api-key': 'sk-mock-upstream', authorization: 'Bearer sk-mock-upstream' }
  const target: Target = {
    id: 'portkey',
    label: 'portkey 1.15.2 (node)',
    pid: server.pid,
    idleRssMegabytes: await idleRss(server.pid),
    chat: (body) => ({ url: `${server.url}/v1/chat/completions`, body, headers: openaiHeaders }),
    chatViaAnthropic: (openaiBody) => ({ url: `${server.url}/v1/chat/completions`, body: openaiBody, headers: anthropicHeaders }),
    stop: server.stop,
    logTail: server.logTail,
  }
  const smoke = target.chat(JSON.stringify({ model: benchModel, messages: [{ role: 'user', content: 'ping' }] }))
  const response = await fetch(smoke.url, { method: 'POST', headers: { 'content-type': 'application/json', ...smoke.headers }, body: smoke.body })
  if (response.status !== 200) {
    const body = await response.text()
    await server.stop()
    return new Error(`portkey smoke request answered ${response.status}: ${body.slice(0, 300)}`)
  }
  await response.arrayBuffer()
  log(`portkey: up on ${server.url} (pid ${server.pid})`)
  return target
}
