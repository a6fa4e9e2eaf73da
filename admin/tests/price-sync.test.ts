/**
 * Upstream price sync in the console, in Chromium against real gateway processes: a second Tollgate exposing its
 * ratios (a channel, read at /api/ratio_config) and a JSON file of option maps on a local server (typed in) are
 * fetched, the differences listed, one value picked per cell and one source taken whole, applied, and the price
 * table and the stored options then hold the synced values.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { apiCall, ensureAdminBuilt, hasChromium, launchBrowser, screenshot, screenshotDir, signedInPage, signInCookie, startGateway, waitFor, type GatewayProcess } from './harness.ts'

const rootPassword = 'price-sync-test-password'

/** A plain JSON document of option maps, one map as the option's JSON text (as an export of options has it). */
const priceFile = JSON.stringify({ ModelRatio: { 'gpt-4o': 1.25, 'qwen-max': 0.8 }, CompletionRatio: JSON.stringify({ 'qwen-max': 3 }) })

describe.skipIf(!hasChromium)('upstream price sync in the console', () => {
  let gateway: GatewayProcess
  let peer: GatewayProcess
  let file: ReturnType<typeof Bun.serve>
  let browser: Browser
  let cookie: string
  let page: Page

  beforeAll(async () => {
    ensureAdminBuilt()
    file = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: () => new Response(priceFile, { headers: { 'content-type': 'application/json' } }) })
    ;[gateway, peer] = await Promise.all([
      startGateway({ INITIAL_ROOT_PASSWORD: rootPassword, RATIO_SYNC_ALLOW_HOSTS: '127.0.0.1' }),
      startGateway({ INITIAL_ROOT_PASSWORD: rootPassword }),
    ])
    // Explicit maps on both sides, so the comparison does not depend on the built-in default table.
    const peerCookie = await signInCookie(peer.url, 'root', rootPassword)
    await apiCall(peer.url, peerCookie, 'PUT', '/api/option/', { key: 'ModelRatio', value: JSON.stringify({ 'gpt-4o': 2, 'gpt-4o-mini': 0.1 }) })
    await apiCall(peer.url, peerCookie, 'PUT', '/api/option/', { key: 'ExposeRatioEnabled', value: 'true' })

    browser = await launchBrowser()
    cookie = await signInCookie(gateway.url, 'root', rootPassword)
    await apiCall(gateway.url, cookie, 'PUT', '/api/option/', { key: 'ModelRatio', value: JSON.stringify({ 'gpt-4o': 1.25, 'gpt-4o-mini': 0.075 }) })
    await apiCall(gateway.url, cookie, 'POST', '/api/channel/', { mode: 'single', channel: { type: 60, name: 'peer', key: 'sk-peer', models: 'gpt-4o', group: 'default', base_url: peer.url } })
    page = await signedInPage(browser, gateway.url, cookie)
  }, 60_000)
  afterAll(async () => {
    await browser?.close()
    await Promise.all([gateway?.stop(), peer?.stop()])
    file?.stop(true)
  })

  test('fetches a second gateway and a JSON file, shows the differences, applies the picked values', async () => {
    await page.goto('/settings')
    const panel = page.locator('[data-testid=upstream-sync]')
    await panel.locator('.sync-source').first().waitFor()
    await panel.locator('.sync-source label.check input').check()
    await panel.locator('.sync-source .sync-endpoint').fill('/api/ratio_config')
    await page.fill('#sync-addresses', `http://127.0.0.1:${file.port}/prices.json`)
    await panel.locator('[data-testid=sync-fetch]').click()
    const table = panel.locator('[data-testid=sync-table]')
    await table.waitFor()

    const peerName = 'peer(1)'
    const fileName = `127.0.0.1:${file.port}`
    await expect(panel.locator(`[data-testid=sync-results] li[data-source="${peerName}"]`).textContent()).resolves.toContain('price maps')
    await expect(panel.locator(`[data-testid=sync-results] li[data-source="${fileName}"]`).textContent()).resolves.toContain('price maps, 2 models')
    const cell = (model: string, field: string, source: string) => table.locator(`tr[data-model="${model}"][data-field="${field}"] td[data-source="${source}"]`)
    // gpt-4o: the peer differs (2 against the local 1.25), the file agrees.
    await expect(cell('gpt-4o', 'model_ratio', peerName).textContent()).resolves.toBe('2')
    await expect(cell('gpt-4o', 'model_ratio', fileName).textContent()).resolves.toBe('same')
    // qwen-max is not priced here: the file's values are new.
    await expect(cell('qwen-max', 'model_ratio', fileName).textContent()).resolves.toContain('new')
    await screenshot(page, 'price-sync-01-differences')

    // The peer's column whole (gpt-4o, gpt-4o-mini), and one cell of the file.
    await table.locator(`th[data-source="${peerName}"] button`).click()
    await cell('qwen-max', 'model_ratio', fileName).locator('button').click()
    await expect(cell('gpt-4o', 'model_ratio', peerName).locator('button').getAttribute('aria-pressed')).resolves.toBe('true')
    await screenshot(page, 'price-sync-02-picked')
    // The panel sits under the long price table; its own picture shows the table at full size.
    await panel.screenshot({ path: join(screenshotDir, 'price-sync-02-picked-panel.png') })
    await expect(panel.locator('[data-testid=sync-apply]').textContent()).resolves.toContain('Apply 3 changes')
    await panel.locator('[data-testid=sync-apply]').click()

    const ratios = await waitFor(
      async () => JSON.parse((await apiCall<{ key: string; value: string }[]>(gateway.url, cookie, 'GET', '/api/option/')).find((option) => option.key === 'ModelRatio')!.value) as Record<string, number>,
      (value) => value['gpt-4o'] === 2,
    )
    expect([ratios['gpt-4o'], ratios['gpt-4o-mini'], ratios['qwen-max']]).toEqual([2, 0.1, 0.8])
    // The table is fetched again: the peer now agrees on gpt-4o (the file, at 1.25, now differs); the file's
    // completion ratio for qwen-max, not picked, is still offered.
    await waitFor(() => cell('gpt-4o', 'model_ratio', peerName).textContent(), (text) => text === 'same')
    await expect(table.locator('tr[data-model="gpt-4o-mini"]').count()).resolves.toBe(0)
    await expect(table.locator('tr[data-model="qwen-max"][data-field="completion_ratio"]').count()).resolves.toBe(1)
    // The price table above shows the synced ratio.
    await waitFor(() => page.locator('[data-testid=pricing-editor] tr[data-model="gpt-4o"] input[aria-label="Ratio"]').inputValue(), (value) => value === '2')
    await screenshot(page, 'price-sync-03-applied')
  }, 60_000)
})
