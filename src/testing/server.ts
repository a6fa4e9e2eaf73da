import { loadConfig, type Config } from '../config.ts'
import { startServer, type RunningServer } from '../server.ts'
import { temporaryDirectory } from './databases.ts'
import { addressLimitsOff } from './address-limits-off.ts'

export const ROOT_PASSWORD = 'root-password-for-tests'

export interface TestServer extends RunningServer {
  config: Config
  /** Sign in and return a client whose requests carry the session cookie. */
  signIn(username?: string, password?: string): Promise<ApiClient>
  dispose(): Promise<void>
}

export interface ApiClient {
  userId: number
  call<T = any>(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: T; headers: Headers }>
}

/** A whole server on a real port with its own data directory (SQLite unless `env.DATABASE_URL` is given). */
export async function startTestServer(env: Record<string, string> = {}): Promise<TestServer> {
  const directory = temporaryDirectory()
  const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', DATA_DIR: directory.path, INITIAL_ROOT_PASSWORD: ROOT_PASSWORD, SYNC_FREQUENCY: '3600', ...addressLimitsOff, ...env })
  const running = await startServer(config, { log: () => {} })
  const request = (method: string, path: string, body: unknown, headers: Record<string, string>) => sendJson(running.url, method, path, body, headers)
  return {
    ...running,
    config,
    async signIn(username = 'root', password = ROOT_PASSWORD) {
      const login = await request('POST', '/api/user/login', { username, password }, {})
      if (!login.body?.success) throw new Error(`sign-in as ${username} failed: ${JSON.stringify(login.body)}`)
      const cookie = login.headers.get('set-cookie')!.split(';')[0]!
      return {
        userId: login.body.data.id,
        call: (method, path, body, headers = {}) => request(method, path, body, { cookie, ...headers }),
      }
    },
    async dispose() {
      await running.stop()
      directory.remove()
    },
  }
}

/** JSON request to a running server; the body is parsed when it is JSON and kept as text otherwise. */
export async function sendJson(base: string, method: string, path: string, body: unknown, headers: Record<string, string>) {
  const response = await fetch(base + path, {
    method, headers: { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  })
  const text = await response.text()
  let parsed: unknown = text
  try { parsed = JSON.parse(text) } catch { /* not JSON: keep the text */ }
  return { status: response.status, body: parsed as any, headers: response.headers }
}

/** Anonymous request helper for a server. */
export const anonymous = (server: RunningServer): ApiClient => ({
  userId: 0,
  call: (method, path, body, headers = {}) => sendJson(server.url, method, path, body, headers),
})
