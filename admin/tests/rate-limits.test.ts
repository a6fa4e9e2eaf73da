/**
 * Rate limits in the console, in Chromium against the real gateway process: an API key and a user get their
 * limits through their forms (empty = none, 0 = nothing allowed), a bad value is refused before anything is sent,
 * and the limit then holds on the relay.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import type { Browser, Page } from 'playwright-core'
import { apiCall, ensureAdminBuilt, hasChromium, launchBrowser, screenshot, signedInPage, signInCookie, startGateway, waitFor, type GatewayProcess } from './harness.ts'

const rootPassword = 'limits-test-password'

describe.skipIf(!hasChromium)('rate limits in the console', () => {
  let gateway: GatewayProcess
  let browser: Browser
  let cookie: string
  let page: Page

  beforeAll(async () => {
    ensureAdminBuilt()
    gateway = await startGateway({ INITIAL_ROOT_PASSWORD: rootPassword })
    browser = await launchBrowser()
    cookie = await signInCookie(gateway.url, 'root', rootPassword)
    page = await signedInPage(browser, gateway.url, cookie)
  }, 60_000)
  afterAll(async () => {
    await browser?.close()
    await gateway?.stop()
  })

  test('an API key\'s limits: a bad value is refused in the form, good ones are saved and hold on the relay', async () => {
    await page.goto('/tokens/new')
    await page.fill('#token-name', 'limited key')
    await page.fill('#token-rpm_limit', '-3')
    await page.fill('#token-concurrency_limit', '0')
    await page.click('form[data-testid=token-form] button[type=submit]')
    await expect(page.locator('#token-rpm_limit ~ .field-error').textContent()).resolves.toContain('whole number')
    await screenshot(page, 'limits-01-token-invalid')
    await page.fill('#token-rpm_limit', '60')
    await page.click('form[data-testid=token-form] button[type=submit]')
    await page.waitForURL(/\/tokens$/)
    const tokens = await apiCall<{ items: { id: number; name: string; rpm_limit: number | null; tpm_limit: number | null; concurrency_limit: number | null }[] }>(gateway.url, cookie, 'GET', '/api/token/')
    const token = tokens.items.find((item) => item.name === 'limited key')!
    expect(token).toMatchObject({ rpm_limit: 60, tpm_limit: null, concurrency_limit: 0 })

    // The stored values come back into the form, 0 and empty kept apart.
    await page.goto(`/tokens/${token.id}`)
    await waitFor(() => page.inputValue('#token-rpm_limit'), (value) => value === '60')
    expect(await page.inputValue('#token-concurrency_limit')).toBe('0')
    expect(await page.inputValue('#token-tpm_limit')).toBe('')
    await screenshot(page, 'limits-02-token-form')

    const { key } = await apiCall<{ key: string }>(gateway.url, cookie, 'POST', `/api/token/${token.id}/key`)
    const refused = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST', headers: { authorization: `Bearer sk-${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
    })
    expect(refused.status).toBe(429)
    expect((await refused.json()).error.message).toContain('concurrency_limit is 0')
  }, 30_000)

  test('a user\'s limits are set in the user form and cleared by emptying a box', async () => {
    const created = await apiCall<{ id: number }>(gateway.url, cookie, 'POST', '/api/user/', { username: 'metered', password: 'metered-password-1' })
    await page.goto(`/users/${created.id}`)
    await page.locator('#user-tpm_limit').waitFor()
    await waitFor(() => page.inputValue('#user-username'), (value) => value === 'metered')
    await page.fill('#user-tpm_limit', '100000')
    await page.fill('#user-concurrency_limit', '4')
    await screenshot(page, 'limits-03-user-form')
    await page.click('form[data-testid=user-form] button[type=submit]')
    await page.waitForURL(/\/users$/)
    expect(await apiCall(gateway.url, cookie, 'GET', `/api/user/${created.id}`)).toMatchObject({ rpm_limit: null, tpm_limit: 100000, concurrency_limit: 4 })

    await page.goto(`/users/${created.id}`)
    await waitFor(() => page.inputValue('#user-tpm_limit'), (value) => value === '100000')
    await page.fill('#user-tpm_limit', '')
    await page.click('form[data-testid=user-form] button[type=submit]')
    await page.waitForURL(/\/users$/)
    expect(await apiCall(gateway.url, cookie, 'GET', `/api/user/${created.id}`)).toMatchObject({ tpm_limit: null, concurrency_limit: 4 })
  }, 30_000)

  test('settings: group limits and new-api\'s model request limits; the server\'s refusal names the field', async () => {
    await page.goto('/settings')
    await page.getByRole('tab', { name: 'Rate limits' }).click()
    await page.fill('#option-GroupRateLimits', '{"vip": {"rpm": 5}}')
    await page.getByRole('button', { name: 'Save' }).click()
    await expect(page.locator('.toast-error').first().textContent()).resolves.toContain('unknown field "rpm"')
    await page.fill('#option-GroupRateLimits', '{"vip": {"rpm_limit": 600, "concurrency_limit": 8}}')
    await page.fill('#option-ModelRequestRateLimitSuccessCount', '500')
    await page.getByRole('button', { name: 'Save' }).click()
    await page.locator('.toast-success').waitFor()
    await screenshot(page, 'limits-04-settings')
    const options = await apiCall<{ key: string; value: string }[]>(gateway.url, cookie, 'GET', '/api/option/')
    expect(JSON.parse(options.find((option) => option.key === 'GroupRateLimits')!.value)).toEqual({ vip: { rpm_limit: 600, concurrency_limit: 8 } })
    expect(options.find((option) => option.key === 'ModelRequestRateLimitSuccessCount')?.value).toBe('500')
  }, 30_000)
})
