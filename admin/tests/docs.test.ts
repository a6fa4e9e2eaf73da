/**
 * The API documentation page in Chromium with every request off this machine refused: the Swagger UI, its styles
 * and the document must all come from the gateway.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import type { Browser } from 'playwright-core'
import { chromiumPath, hasChromium, launchBrowser, newPage, screenshot, startGateway, type GatewayProcess } from './harness.ts'

if (!hasChromium) console.warn(`[admin docs tests] skipped: no Chromium at ${chromiumPath}`)

describe.skipIf(!hasChromium)('API docs offline, in Chromium', () => {
  let gateway: GatewayProcess
  let browser: Browser
  beforeAll(async () => {
    gateway = await startGateway({ INITIAL_ROOT_PASSWORD: 'docs-test-password' })
    browser = await launchBrowser()
  }, 60_000)
  afterAll(async () => {
    await browser?.close()
    await gateway?.stop()
  })

  test('/swagger lists every group, opens each in full and declares the security schemes, with nothing fetched from outside', async () => {
    const { context, page } = await newPage(browser, gateway.url)
    const origin = new URL(gateway.url).origin
    const refused: string[] = []
    await context.route('**/*', (route) => {
      const url = route.request().url()
      if (url.startsWith(origin) || url.startsWith('data:')) return route.continue()
      refused.push(url)
      return route.abort()
    })
    await page.goto('/swagger')
    await page.locator('.information-container .title').filter({ hasText: 'Tollgate API' }).waitFor({ timeout: 20_000 })
    // Every group is listed (collapsed: open, Swagger UI stops rendering a document this size part-way).
    await page.waitForFunction(() => document.querySelectorAll('.opblock-tag').length >= 12, undefined, { timeout: 20_000 })
    const groups = await page.locator('.opblock-tag').allTextContents()
    for (const group of ['System', 'Users', 'Tokens', 'Channels', 'Logs', 'Relay']) expect(groups.some((text) => text.startsWith(group))).toBe(true)
    // Opening the relay group shows every relay operation, the Gemini methods included.
    await page.locator('.opblock-tag').filter({ hasText: /^Relay/ }).click()
    await page.waitForFunction(() => document.querySelectorAll('.opblock').length > 50, undefined, { timeout: 20_000 })
    await expect(page.locator('.opblock-summary-path').filter({ hasText: ':generateContent' }).count()).resolves.toBeGreaterThanOrEqual(2)
    await page.locator('.opblock-tag').filter({ hasText: /^Channels/ }).click()
    await page.locator('.opblock-summary-path').filter({ hasText: '/api/channel/' }).first().waitFor()
    // The Authorize dialog lists the declared schemes.
    await page.getByRole('button', { name: /authorize/i }).first().click()
    await expect(page.locator('.auth-container').count()).resolves.toBeGreaterThanOrEqual(6)
    await screenshot(page, 'api-docs', false)
    expect(refused).toEqual([])
    await context.close()
  }, 60_000)
})
