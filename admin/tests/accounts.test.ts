/**
 * Accounts in Chromium against the real gateway process and a real SMTP server on a local port: registering with
 * the code read from the received mail, the forgot-password flow through the mailed link, the account page's
 * session list ending another session, and the settings tab whose secrets are write-only.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import type { Browser, Page } from 'playwright-core'
import { startTestMailServer, type TestMailServer } from '../../src/testing/mail-server.ts'
import { startMockTurnstile, type MockTurnstile } from '../../src/testing/mock-turnstile.ts'
import { apiCall, ensureAdminBuilt, hasChromium, launchBrowser, newPage, screenshot, signedInPage, signInCookie, startGateway, type GatewayProcess } from './harness.ts'

const rootPassword = 'accounts-test-password'

async function signIn(page: Page, username: string, password: string): Promise<void> {
  await page.fill('#sign-in-username', username)
  await page.fill('#sign-in-password', password)
  await page.click('form button[type=submit]')
}

describe.skipIf(!hasChromium)('registration, password reset and sessions in Chromium', () => {
  let gateway: GatewayProcess
  let mail: TestMailServer
  let turnstile: MockTurnstile
  let browser: Browser
  let cookie: string

  beforeAll(async () => {
    ensureAdminBuilt()
    mail = await startTestMailServer({ user: 'console@example.com', password: 'smtp-secret' })
    turnstile = startMockTurnstile('turnstile-secret')
    gateway = await startGateway({ INITIAL_ROOT_PASSWORD: rootPassword, TURNSTILE_VERIFY_URL: turnstile.url })
    browser = await launchBrowser()
    cookie = await signInCookie(gateway.url, 'root', rootPassword)
    for (const [key, value] of Object.entries({
      SMTPServer: '127.0.0.1', SMTPPort: String(mail.port), SMTPAccount: 'console@example.com', SMTPToken: 'smtp-secret',
      EmailVerificationEnabled: 'true', ServerAddress: gateway.url,
    })) await apiCall(gateway.url, cookie, 'PUT', '/api/option/', { key, value })
  }, 60_000)

  afterAll(async () => {
    await browser?.close()
    await gateway?.stop()
    await mail?.close()
    turnstile?.stop()
  })

  test('register with the code from the mail, then sign in with the new account', async () => {
    const { page } = await newPage(browser, gateway.url)
    await page.goto('/sign-in')
    await page.getByRole('link', { name: 'Create an account' }).click()
    await page.waitForURL(/\/register$/)
    await page.fill('#sign-up-username', 'newcomer')
    await page.fill('#sign-up-password', 'newcomer-pass-1')
    await page.fill('#sign-up-confirm', 'newcomer-pass-1')
    await page.fill('#sign-up-email', 'newcomer@example.com')
    const since = mail.received.length
    await page.click('[data-testid=send-code]')
    const message = await mail.next('newcomer@example.com', since)
    const code = /\b(\d{6})\b/.exec(message.text)![1]!
    await page.locator('[data-testid=send-code]', { hasText: 'Resend in' }).waitFor()
    await page.fill('#sign-up-code', code)
    await screenshot(page, 'accounts-01-register')
    await page.click('form button[type=submit]')
    await page.waitForURL(/\/sign-in$/)
    await signIn(page, 'newcomer@example.com', 'newcomer-pass-1')
    await page.waitForURL((url) => url.pathname === '/')
    await page.close()
  }, 30_000)

  test('forgot password: the mailed link opens the reset page, the new password works, the old one does not', async () => {
    const { page } = await newPage(browser, gateway.url)
    await page.goto('/sign-in')
    await page.getByRole('link', { name: 'Forgot password?' }).click()
    await page.waitForURL(/\/forgot-password$/)
    await page.fill('#forgot-email', 'newcomer@example.com')
    const since = mail.received.length
    await page.click('form button[type=submit]')
    await page.locator('[data-testid=reset-sent]').waitFor()
    await screenshot(page, 'accounts-02-forgot')
    const message = await mail.next('newcomer@example.com', since)
    const link = /https?:\/\/\S+/.exec(message.text)![0]
    expect(link.startsWith(`${gateway.url}/reset-password?`)).toBe(true)
    await page.goto(link)
    await page.locator('[data-testid=reset-email]', { hasText: 'newcomer@example.com' }).waitFor()
    await page.fill('#reset-password', 'newcomer-pass-2')
    await page.fill('#reset-confirm', 'newcomer-pass-2')
    await screenshot(page, 'accounts-03-reset')
    await page.click('form button[type=submit]')
    await page.waitForURL(/\/sign-in$/)
    await signIn(page, 'newcomer', 'newcomer-pass-1')
    await page.locator('.banner-error', { hasText: 'Incorrect username or password' }).waitFor()
    await signIn(page, 'newcomer', 'newcomer-pass-2')
    await page.waitForURL((url) => url.pathname === '/')
    // The link worked once.
    await page.goto(link)
    await page.fill('#reset-password', 'newcomer-pass-3')
    await page.fill('#reset-confirm', 'newcomer-pass-3')
    await page.click('form button[type=submit]')
    await page.locator('.banner-error', { hasText: 'invalid, used or expired' }).waitFor()
    await page.close()
  }, 30_000)

  test('the account page lists sessions and ends another one', async () => {
    const other = await signInCookie(gateway.url, 'newcomer', 'newcomer-pass-2')
    const mine = await signInCookie(gateway.url, 'newcomer', 'newcomer-pass-2')
    const page = await signedInPage(browser, gateway.url, mine)
    await page.goto('/account')
    const rows = page.locator('[data-testid=session-row]')
    await rows.nth(1).waitFor()
    const count = await rows.count()
    expect(count).toBeGreaterThanOrEqual(2)
    await page.locator('[data-testid=session-row][data-current=true]', { hasText: 'This session' }).waitFor()
    await screenshot(page, 'accounts-04-sessions')
    const self = (sessionCookie: string) => fetch(`${gateway.url}/api/user/self`, { headers: { cookie: sessionCookie } }).then((response) => response.status)
    expect(await self(other)).toBe(200)
    await page.click('[data-testid=end-other-sessions]')
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=session-row]').length === 1)
    await page.locator('[data-testid=session-row][data-current=true]').waitFor()
    expect(await self(other)).toBe(401)
    expect(await self(mine)).toBe(200)
    await page.close()
  }, 30_000)

  test('ending one listed session by its button', async () => {
    const other = await signInCookie(gateway.url, 'newcomer', 'newcomer-pass-2')
    const mine = await signInCookie(gateway.url, 'newcomer', 'newcomer-pass-2')
    const page = await signedInPage(browser, gateway.url, mine)
    await page.goto('/account')
    const others = page.locator('[data-testid=session-row][data-current=false]')
    await others.first().waitFor()
    const before = await others.count()
    await others.first().getByRole('button', { name: 'End' }).click()
    await page.waitForFunction((expected) => document.querySelectorAll('[data-testid=session-row][data-current=false]').length === expected, before - 1)
    // Rows are most recently seen first: the first other one is the sign-in made just above.
    expect(await fetch(`${gateway.url}/api/user/self`, { headers: { cookie: other } }).then((response) => response.status)).toBe(401)
    expect(await fetch(`${gateway.url}/api/user/self`, { headers: { cookie: mine } }).then((response) => response.status)).toBe(200)
    await page.close()
  }, 30_000)

  test('the wallet\'s low-balance notice can go by e-mail to the bound address', async () => {
    const mine = await signInCookie(gateway.url, 'newcomer', 'newcomer-pass-2')
    const page = await signedInPage(browser, gateway.url, mine)
    await page.goto('/wallet')
    const form = page.locator('[data-testid=low-balance]')
    await page.fill('#notice-threshold', '1')
    await page.selectOption('#notice-by', 'email')
    await form.getByText('newcomer@example.com').waitFor()
    await screenshot(page, 'accounts-06-email-notice')
    await form.getByRole('button', { name: 'Save' }).click()
    await page.locator('.toast', { hasText: 'Saved' }).waitFor()
    const self = await apiCall<{ setting: string }>(gateway.url, mine, 'GET', '/api/user/self')
    expect(JSON.parse(self.setting)).toMatchObject({ notify_type: 'email', quota_warning_threshold: 500_000 })
    await page.close()
  }, 30_000)

  test('settings: the sign-up tab shows whether secrets are set, never their values', async () => {
    const page = await signedInPage(browser, gateway.url, cookie)
    await page.goto('/settings')
    await page.getByRole('tab', { name: 'Sign-up and e-mail' }).click()
    const form = page.locator('[data-testid=settings-sign-up]')
    await form.waitFor()
    expect(await page.inputValue('#option-SMTPServer')).toBe('127.0.0.1')
    expect(await page.inputValue('#option-SMTPToken')).toBe('')
    await form.getByText('set; leave empty to keep it').first().waitFor()
    await form.getByText('not set').first().waitFor()
    expect(await page.content()).not.toContain('smtp-secret')
    await screenshot(page, 'accounts-05-settings')
    await page.close()
  }, 30_000)

  test('Turnstile: the sign-in page loads the widget only when enabled and sends its token, which the server verifies', async () => {
    const { page } = await newPage(browser, gateway.url)
    const scripts: string[] = []
    // Cloudflare's script is out of reach here; a stand-in with its render() API answers for it.
    await page.route('https://challenges.cloudflare.com/**', (route) => {
      scripts.push(route.request().url())
      return route.fulfill({
        contentType: 'text/javascript',
        body: `window.turnstile = { render(element, options) { element.textContent = 'verified ' + options.sitekey; setTimeout(() => options.callback('browser-token-' + Date.now())); return 'w1' }, reset() {}, remove() {} }`,
      })
    })
    await page.goto('/sign-in')
    await page.locator('#sign-in-username').waitFor()
    expect(await page.locator('[data-testid=turnstile]').count()).toBe(0)
    expect(scripts).toEqual([])
    for (const [key, value] of Object.entries({ TurnstileSiteKey: 'site-key-1', TurnstileSecretKey: 'turnstile-secret', TurnstileCheckEnabled: 'true' })) {
      await apiCall(gateway.url, cookie, 'PUT', '/api/option/', { key, value })
    }
    try {
      // The stand-in's tokens are unknown to the siteverify mock until the test issues one there.
      await page.reload()
      await page.locator('[data-testid=turnstile]', { hasText: 'verified site-key-1' }).waitFor()
      expect(scripts[0]).toContain('/turnstile/v0/api.js')
      await page.fill('#sign-in-username', 'root')
      await page.fill('#sign-in-password', rootPassword)
      // A token the mock never issued is refused by the server's check.
      await page.click('form button[type=submit]')
      await page.locator('.banner-error', { hasText: 'Turnstile check failed' }).waitFor()
      const token = turnstile.calls.at(-1)!.response
      expect(token).toStartWith('browser-token-')
      expect(turnstile.calls.at(-1)!.secret).toBe('turnstile-secret')
      // Now the stand-in's next token is one the mock will accept.
      await page.route('https://challenges.cloudflare.com/**', (route) => route.fulfill({ contentType: 'text/javascript', body: `window.turnstile = { render(element, options) { element.textContent = 'ready'; setTimeout(() => options.callback('accepted-token')); return 'w2' }, reset() {}, remove() {} }` }))
      turnstile.issue('accepted-token')
      await page.reload()
      await page.fill('#sign-in-username', 'root')
      await page.fill('#sign-in-password', rootPassword)
      await page.locator('[data-testid=turnstile]', { hasText: 'ready' }).waitFor()
      await screenshot(page, 'accounts-07-turnstile')
      await page.click('form button[type=submit]')
      await page.waitForURL((url) => url.pathname === '/')
      expect(turnstile.calls.at(-1)!.response).toBe('accepted-token')
    } finally {
      await apiCall(gateway.url, cookie, 'PUT', '/api/option/', { key: 'TurnstileCheckEnabled', value: 'false' })
      await page.close()
    }
  }, 40_000)
})
