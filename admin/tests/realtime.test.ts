/**
 * The playground's realtime tab in Chromium against the real gateway (`bun src/index.ts`) and the mock realtime
 * upstream: the browser opens a text-only session with the key in its subprotocols, the answer streams in, the
 * event list shows both directions, and the response is billed and logged as a realtime row. Screenshot at 1366x768.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import type { Browser, Page } from 'playwright-core'
import { startMockRealtimeUpstream, type MockRealtimeUpstream } from '../../bench/mock-realtime-upstream.ts'
import { apiCall, chromiumPath, ensureAdminBuilt, hasChromium, launchBrowser, screenshot, signedInPage, signInCookie, startGateway, type GatewayProcess } from './harness.ts'

const rootPassword = 'realtime-test-password'

if (!hasChromium) console.warn(`[admin realtime tests] skipped: no Chromium at ${chromiumPath}`)

describe.skipIf(!hasChromium)('the realtime playground, in Chromium at 1366x768', () => {
  let upstream: MockRealtimeUpstream
  let gateway: GatewayProcess
  let browser: Browser
  let page: Page
  let cookie: string

  beforeAll(async () => {
    ensureAdminBuilt()
    upstream = startMockRealtimeUpstream({ key: 'sk-realtime' })
    gateway = await startGateway({ INITIAL_ROOT_PASSWORD: rootPassword, LOG_FLUSH_INTERVAL_MS: '200' })
    cookie = await signInCookie(gateway.url, 'root', rootPassword)
    await apiCall(gateway.url, cookie, 'POST', '/api/channel/', {
      mode: 'single',
      channel: { type: 1, name: 'realtime upstream', key: 'sk-realtime', base_url: upstream.url, models: 'gpt-4o-mini,gpt-realtime', group: 'default' },
    })
    const options = await apiCall<{ key: string; value: string }[]>(gateway.url, cookie, 'GET', '/api/option/')
    const ratios = JSON.parse(options.find((option) => option.key === 'ModelRatio')?.value ?? '{}') as Record<string, number>
    await apiCall(gateway.url, cookie, 'PUT', '/api/option/', { key: 'ModelRatio', value: JSON.stringify({ ...ratios, 'gpt-realtime': 2 }) })
    await apiCall(gateway.url, cookie, 'POST', '/api/token/', { name: 'realtime key', unlimited_quota: true })
    browser = await launchBrowser()
    page = await signedInPage(browser, gateway.url, cookie)
  }, 60_000)

  afterAll(async () => {
    await Promise.all([browser?.close(), gateway?.stop(), upstream?.stop()])
  })

  test('a text-only session streams the answer, lists the events and is billed per response', async () => {
    await page.goto('/playground')
    await page.getByRole('tab', { name: 'Realtime' }).click()
    // The realtime model is suggested first in this mode.
    await page.waitForFunction(() => (document.querySelector('#playground-model') as HTMLSelectElement | null)?.value === 'gpt-realtime')
    await page.getByRole('button', { name: 'Connect' }).click()
    await page.locator('[data-testid=realtime-status]', { hasText: 'Session open' }).waitFor()
    await page.locator('[data-testid=realtime-events] li', { hasText: 'session.created' }).waitFor()
    await page.getByLabel('Message').fill('Hello realtime')
    await page.getByRole('button', { name: 'Send' }).click()
    await page.locator('[data-testid=realtime-events] li', { hasText: 'response.done' }).waitFor()
    await expect(page.locator('[data-testid=realtime-answer]').textContent()).resolves.toBe('Hello from the realtime mock.')
    const events = await page.locator('[data-testid=realtime-events] li code').allTextContents()
    expect(events).toContain('session.update')
    expect(events).toContain('conversation.item.create')
    expect(events).toContain('response.output_text.delta')
    // The browser's key went in the subprotocols; the upstream got the channel's key, and the text-only session.update first.
    const connection = upstream.connections.at(-1)!
    expect(connection.headers.authorization).toBe('Bearer sk-realtime')
    expect(JSON.parse(connection.received[0] as string)).toEqual({ type: 'session.update', session: { type: 'realtime', output_modalities: ['text'] } })
    await screenshot(page, '25-playground-realtime', false)
    await page.getByRole('button', { name: 'Disconnect' }).click()
    await page.locator('[data-testid=realtime-status]', { hasText: 'Closed (code 1000' }).waitFor()

    let rows: { other: string }[] = []
    for (let attempt = 0; attempt < 50 && rows.length === 0; attempt++) {
      rows = (await apiCall<{ items: { other: string }[] }>(gateway.url, cookie, 'GET', '/api/log/?type=2&model_name=gpt-realtime&page_size=5')).items
      if (rows.length === 0) await Bun.sleep(100)
    }
    expect(rows.length).toBe(1)
    expect(JSON.parse(rows[0]!.other).realtime).toBe(true)
  }, 30_000)
})
