/**
 * What the browser tests stand on: the built console, the real server as a child process with a
 * throw-away data folder, the mock upstream, and Debian's Chromium driven by playwright-core.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'
import { addressLimitsOff } from '../../src/testing/address-limits-off.ts'

export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
export const hasChromium = existsSync(chromiumPath)
export const repositoryRoot = join(import.meta.dir, '..', '..')
export const adminRoot = join(import.meta.dir, '..')
export const screenshotDir = join(import.meta.dir, 'screenshots')

function newestModification(folder: string): number {
  let newest = 0
  for (const entry of readdirSync(folder, { withFileTypes: true })) {
    const path = join(folder, entry.name)
    newest = Math.max(newest, entry.isDirectory() ? newestModification(path) : statSync(path).mtimeMs)
  }
  return newest
}

/** Build the console unless admin/dist is newer than every source file (keeps repeated runs fast). */
export function ensureAdminBuilt(): void {
  const index = join(adminRoot, 'dist', 'index.html')
  const sourceTime = Math.max(newestModification(join(adminRoot, 'src')), statSync(join(adminRoot, 'index.html')).mtimeMs, statSync(join(adminRoot, 'vite.config.ts')).mtimeMs)
  if (existsSync(index) && statSync(index).mtimeMs > sourceTime) return
  const build = Bun.spawnSync([join(repositoryRoot, 'node_modules', '.bin', 'vite'), 'build', 'admin', '--logLevel', 'warn'], { cwd: repositoryRoot, stdout: 'pipe', stderr: 'pipe' })
  if (build.exitCode !== 0) throw new Error(`vite build failed:\n${build.stdout.toString()}\n${build.stderr.toString()}`)
}

export interface GatewayProcess {
  url: string
  dataDir: string
  output: () => string
  stop: () => Promise<void>
}

/**
 * `bun src/index.ts` on a free port. Resolves once it prints its address. `env` adds to (or, with
 * undefined values, removes from) the child's environment.
 */
export async function startGateway(env: Record<string, string | undefined> = {}): Promise<GatewayProcess> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tollgate-admin-test-'))
  const childEnv: Record<string, string> = {}
  for (const [name, value] of Object.entries({ ...process.env, PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, ...addressLimitsOff, ...env })) {
    if (value !== undefined) childEnv[name] = value
  }
  const child = Bun.spawn(['bun', 'src/index.ts'], { cwd: repositoryRoot, env: childEnv, stdout: 'pipe', stderr: 'pipe' })
  let output = ''
  const collect = async (stream: ReadableStream<Uint8Array>) => {
    const decoder = new TextDecoder()
    for await (const chunk of stream) output += decoder.decode(chunk, { stream: true })
  }
  void collect(child.stdout)
  void collect(child.stderr)
  const deadline = Date.now() + 20_000
  let url: string | undefined
  while (!url) {
    const match = /listening on (http:\/\/[^\s]+)/.exec(output)
    if (match) url = match[1]
    else if (child.exitCode !== null) throw new Error(`the gateway exited with ${child.exitCode}:\n${output}`)
    else if (Date.now() > deadline) {
      child.kill()
      throw new Error(`the gateway did not start within 20 s:\n${output}`)
    }
    else await Bun.sleep(50)
  }
  return {
    url,
    dataDir,
    output: () => output,
    async stop() {
      child.kill('SIGTERM')
      await Promise.race([child.exited, Bun.sleep(5000)])
      if (child.exitCode === null) child.kill('SIGKILL')
      rmSync(dataDir, { recursive: true, force: true })
    },
  }
}

/** Playwright's own waits are used throughout; this one re-reads a figure the server updates asynchronously. */
export async function waitFor<T>(read: () => Promise<T>, accept: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let value = await read()
  while (!accept(value)) {
    if (Date.now() > deadline) throw new Error(`gave up waiting; last value ${JSON.stringify(value)}`)
    await Bun.sleep(250)
    value = await read()
  }
  return value
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  })
}

export async function newPage(browser: Browser, baseURL: string, options: { width?: number; height?: number; colorScheme?: 'light' | 'dark' } = {}): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({
    baseURL,
    viewport: { width: options.width ?? 1366, height: options.height ?? 860 },
    colorScheme: options.colorScheme ?? 'light',
    locale: 'en-US',
  })
  const page = await context.newPage()
  // A failing page should say why in the test output, not only in a screenshot.
  page.on('pageerror', (error) => console.error(`[browser] page error: ${error.message}`))
  page.on('console', (message) => {
    if (message.type() === 'error' && !message.text().includes('status of 401')) console.error(`[browser] ${message.text()}`)
  })
  return { context, page }
}

export async function screenshot(page: Page, name: string, fullPage = true): Promise<void> {
  mkdirSync(screenshotDir, { recursive: true })
  // Sticky bars are drawn where the page is scrolled to; from the top, a full-page shot looks like the page.
  if (fullPage) await page.evaluate(() => scrollTo(0, 0))
  await page.screenshot({ path: join(screenshotDir, `${name}.png`), fullPage })
}

/** Management API call with the root's session, for seeding and checking state the UI does not show. */
export async function apiCall<T>(baseUrl: string, cookie: string, method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(baseUrl + path, {
    method,
    headers: { cookie, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const envelope = (await response.json()) as { success: boolean; message: string; data: T }
  if (!envelope.success) throw new Error(`${method} ${path}: ${envelope.message}`)
  return envelope.data
}

export async function signInCookie(baseUrl: string, username: string, password: string): Promise<string> {
  const response = await fetch(`${baseUrl}/api/user/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  })
  const cookie = response.headers.get('set-cookie')
  if (!cookie) throw new Error(`sign-in failed: ${await response.text()}`)
  return cookie.split(';')[0]!
}

/** A page at 1366x768 that carries root's session cookie (signed in through the API, not the form). */
export async function signedInPage(browser: Browser, baseUrl: string, cookie: string): Promise<Page> {
  const opened = await newPage(browser, baseUrl, { width: 1366, height: 768 })
  await opened.context.addCookies([{ name: 'session', value: decodeURIComponent(cookie.split('=')[1]!), url: baseUrl }])
  return opened.page
}
