/**
 * The "Server models" panel of an Ollama channel in Chromium, against the real gateway (`bun src/index.ts`) and a
 * local Ollama: the list comes from the server's tags, a pull shows its progress and adds the model, a delete removes
 * it; and the channel form's hints for Ollama and Xunfei Spark. Screenshot at 1366x768.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import type { Browser, Page } from 'playwright-core'
import { startMockOllama, type MockOllama } from '../../src/testing/mock-ollama.ts'
import { apiCall, chromiumPath, ensureAdminBuilt, hasChromium, launchBrowser, screenshot, signedInPage, signInCookie, startGateway, type GatewayProcess } from './harness.ts'

const rootPassword = 'ollama-test-password'

if (!hasChromium) console.warn(`[admin ollama tests] skipped: no Chromium at ${chromiumPath}`)

describe.skipIf(!hasChromium)('an Ollama channel\'s server models, in Chromium at 1366x768', () => {
  let ollama: MockOllama
  let gateway: GatewayProcess
  let browser: Browser
  let page: Page
  let channelId: number

  beforeAll(async () => {
    ensureAdminBuilt()
    ollama = startMockOllama({ models: ['llama3.2:latest', 'all-minilm:latest'] })
    gateway = await startGateway({ INITIAL_ROOT_PASSWORD: rootPassword })
    const cookie = await signInCookie(gateway.url, 'root', rootPassword)
    const created = await apiCall<{ id: number }[]>(gateway.url, cookie, 'POST', '/api/channel/', {
      mode: 'single', channel: { type: 4, name: 'local ollama', key: 'none', base_url: ollama.url, models: 'llama3.2', group: 'default' },
    })
    channelId = created[0]!.id
    browser = await launchBrowser()
    page = await signedInPage(browser, gateway.url, cookie)
  }, 60_000)

  afterAll(async () => {
    await Promise.all([browser?.close(), gateway?.stop()])
    ollama?.stop()
  })

  test('the form says what an Ollama and a Xunfei Spark channel\'s key, base URL and version look like', async () => {
    await page.goto('/channels/new')
    const hint = (id: string) => page.locator(`.field:has(#${id}) .field-hint`).first().textContent()
    await page.selectOption('#channel-type', '4')
    await expect(hint('channel-key')).resolves.toContain('Any text if the server has no auth')
    await expect(hint('channel-base-url')).resolves.toContain('http://localhost:11434')
    await page.selectOption('#channel-type', '18')
    await expect(hint('channel-key')).resolves.toContain('APPID|APISecret|APIKey')
    await expect(hint('channel-base-url')).resolves.toContain('https://spark-api.xf-yun.com')
    await expect(hint('channel-other')).resolves.toContain('v3.5 (Max, default)')
  }, 30_000)

  test('list, pull with progress, delete', async () => {
    await page.goto('/channels')
    await page.getByTestId(`ollama-models-${channelId}`).click()
    const table = page.getByTestId('ollama-models')
    await table.locator('code', { hasText: 'all-minilm:latest' }).waitFor()
    await page.getByText('Ollama 0.12.6').waitFor()
    await page.getByTestId('ollama-pull-name').fill('qwen3')
    await page.getByRole('button', { name: 'Pull', exact: true }).click()
    await page.getByTestId('ollama-pull-progress').filter({ hasText: 'qwen3 is on the server' }).waitFor()
    await table.locator('code', { hasText: 'qwen3:latest' }).waitFor()
    expect(ollama.calls.find((call) => call.path === '/api/pull')?.body).toEqual({ model: 'qwen3', stream: true })
    await screenshot(page, 'ollama-server-models', false)
    page.once('dialog', (dialog) => void dialog.accept())
    await table.locator('tr', { hasText: 'all-minilm:latest' }).getByRole('button', { name: 'Delete' }).click()
    await table.locator('code', { hasText: 'all-minilm:latest' }).waitFor({ state: 'detached' })
    expect(ollama.models.has('all-minilm:latest')).toBe(false)
  })
})
