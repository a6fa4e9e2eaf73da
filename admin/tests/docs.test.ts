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

  test('/swagger renders every group and operation with nothing fetched from outside', async () => {
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
    await page.locator('.opblock').first().waitFor()
    expect(await page.locator('.opblock').count()).toBeGreaterThan(60)
    expect(await page.locator('.opblock-tag').allTextContents()).toEqual(expect.arrayContaining([expect.stringContaining('Relay'), expect.stringContaining('Channels')]))
    // The Authorize dialog lists the declared schemes.
    await page.getByRole('button', { name: /authorize/i }).first().click()
    await expect(page.locator('.auth-container').count()).resolves.toBeGreaterThanOrEqual(6)
    await screenshot(page, 'api-docs', false)
    expect(refused).toEqual([])
    await context.close()
  }, 60_000)
})
