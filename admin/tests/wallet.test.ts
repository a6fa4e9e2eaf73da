/**
 * Money in the console, in Chromium against the real gateway process and a local mock EasyPay gateway: a user
 * picks an amount, pays on the gateway, comes back and sees the balance and the record; redeems a code; an admin
 * creates and exports a batch of codes and sees the order in the top-up records.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { readFileSync } from 'node:fs'
import type { Browser, Page } from 'playwright-core'
import { startMockEasyPay, type MockEasyPay } from '../../src/testing/mock-easypay.ts'
import { startMockStripe, type MockStripe } from '../../src/testing/mock-stripe.ts'
import { apiCall, ensureAdminBuilt, hasChromium, launchBrowser, newPage, screenshot, signInCookie, startGateway, type GatewayProcess } from './harness.ts'

const rootPassword = 'wallet-test-password'
const merchant = { pid: '3003', key: 'wallet-test-merchant-key' }

async function signIn(page: Page, username: string, password: string): Promise<void> {
  await page.fill('#sign-in-username', username)
  await page.fill('#sign-in-password', password)
  await page.click('form button[type=submit]')
}

describe.skipIf(!hasChromium)('wallet and redemption codes in Chromium', () => {
  let gateway: GatewayProcess
  let easypay: MockEasyPay
  let stripe: MockStripe
  let browser: Browser
  let cookie: string

  beforeAll(async () => {
    ensureAdminBuilt()
    stripe = startMockStripe({ secretKey: 'sk_test_wallet', webhookSecret: 'whsec_wallet', webhookUrl: () => `${gateway.url}/api/stripe/webhook` })
    gateway = await startGateway({ INITIAL_ROOT_PASSWORD: rootPassword, STRIPE_API_BASE: stripe.url, NOTIFY_WEBHOOK_ALLOW_HOSTS: '127.0.0.1' })
    easypay = startMockEasyPay(merchant)
    browser = await launchBrowser()
    cookie = await signInCookie(gateway.url, 'root', rootPassword)
    for (const [key, value] of Object.entries({ PayAddress: easypay.url, EpayId: merchant.pid, EpayKey: merchant.key, ServerAddress: gateway.url, Price: '7.3', 'payment_setting.amount_options': '[5,20,100]', QuotaForInviter: '500000' })) {
      await apiCall(gateway.url, cookie, 'PUT', '/api/option/', { key, value })
    }
    await apiCall(gateway.url, cookie, 'POST', '/api/user/', { username: 'payer', password: 'payer-password-1' })
  }, 60_000)

  afterAll(async () => {
    await browser?.close()
    await gateway?.stop()
    await easypay?.stop()
    await stripe?.stop()
  })

  test('pick an amount, pay on the gateway, come back: balance and record are there; then redeem a code', async () => {
    const { page } = await newPage(browser, gateway.url)
    await page.goto('/wallet')
    await page.waitForURL(/\/sign-in/)
    await signIn(page, 'payer', 'payer-password-1')
    await page.waitForURL(/\/wallet$/)
    await page.getByRole('button', { name: '20', exact: true }).click()
    await page.locator('[data-testid=price-preview]', { hasText: 'To pay: 146.00' }).waitFor()
    await screenshot(page, 'wallet-01-amount')
    await page.getByRole('button', { name: 'Pay with Alipay' }).click()
    // On the gateway's own page now.
    await page.waitForURL(`${easypay.url}/submit.php`)
    await expect(page.locator('#money').textContent()).resolves.toBe('146.00')
    await page.click('#pay')
    await page.waitForURL(/\/wallet\?trade_no=/)
    await page.locator('[data-testid=payment-return]', { hasText: 'received' }).waitFor()
    await expect(page.locator('[data-testid=wallet-balance] .quota').getAttribute('data-quota')).resolves.toBe(String(20 * 500_000))
    await page.locator('[data-testid=topup-history] tbody tr', { hasText: 'Paid' }).filter({ hasText: '146.00' }).waitFor()
    await screenshot(page, 'wallet-02-paid')

    const [code] = await apiCall<string[]>(gateway.url, cookie, 'POST', '/api/redemption/', { name: 'browser', count: 1, quota: 250_000 })
    await page.fill('#redeem-code', 'not a code')
    await page.getByRole('button', { name: 'Redeem', exact: true }).click()
    await page.locator('.banner-error', { hasText: 'Unknown redemption code' }).waitFor()
    await page.fill('#redeem-code', ` ${code!.toUpperCase()} `)
    await page.getByRole('button', { name: 'Redeem', exact: true }).click()
    await page.locator(`[data-testid=wallet-balance] .quota[data-quota="${20 * 500_000 + 250_000}"]`).waitFor()

    // Someone registers with the invitation code; the reward waits, then moves into the balance.
    const invitation = page.locator('[data-testid=invitation-code]')
    await invitation.filter({ hasText: /^[A-Za-z0-9]{10}$/ }).waitFor()
    const registered = await fetch(`${gateway.url}/api/user/register?aff=${await invitation.textContent()}`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'invited', password: 'invited-password-1' }),
    })
    expect(((await registered.json()) as { success: boolean }).success).toBe(true)
    await page.reload()
    await page.locator('[data-testid=invited-count]', { hasText: '1' }).waitFor()
    await page.getByRole('button', { name: 'Move rewards into the balance' }).click()
    await page.locator(`[data-testid=wallet-balance] .quota[data-quota="${20 * 500_000 + 250_000 + 500_000}"]`).waitFor()
    await expect(page.locator('[data-testid=rewards-waiting] .quota').getAttribute('data-quota')).resolves.toBe('0')
    await screenshot(page, 'wallet-03-invitations')
    await page.context().close()
  }, 60_000)

  test('pay by card: Stripe Checkout on the mock Stripe, back to the Wallet with the balance', async () => {
    for (const [key, value] of Object.entries({ StripeApiSecret: 'sk_test_wallet', StripeWebhookSecret: 'whsec_wallet', StripeUnitPrice: '1' })) {
      await apiCall(gateway.url, cookie, 'PUT', '/api/option/', { key, value })
    }
    const { page } = await newPage(browser, gateway.url)
    await page.goto('/wallet')
    await signIn(page, 'payer', 'payer-password-1')
    await page.waitForURL(/\/wallet$/)
    const before = Number(await page.locator('[data-testid=wallet-balance] .quota').getAttribute('data-quota'))
    await page.getByRole('button', { name: '5', exact: true }).click()
    await page.locator('[data-testid=stripe-price-preview]', { hasText: 'By card: 5.00' }).waitFor()
    await page.getByRole('button', { name: 'Pay by card (Stripe)' }).click()
    await page.waitForURL(new RegExp(`^${stripe.url}/pay/cs_`))
    await expect(page.locator('#amount').textContent()).resolves.toBe('5.00 USD')
    await page.click('#pay')
    await page.waitForURL(/\/wallet\?trade_no=cs_/)
    await page.locator('[data-testid=payment-return]', { hasText: 'received' }).waitFor()
    await page.locator(`[data-testid=wallet-balance] .quota[data-quota="${before + 5 * 500_000}"]`).waitFor()
    await page.locator('[data-testid=topup-history] tbody tr', { hasText: 'stripe' }).filter({ hasText: 'Paid' }).waitFor()
    await screenshot(page, 'wallet-04-stripe')
    await page.context().close()
  }, 60_000)

  test('buy a subscription plan on the gateway; the Wallet shows it with its next renewal', async () => {
    await apiCall(gateway.url, cookie, 'POST', '/api/plan/', { name: 'Daily pro', price: 3, period_days: 7, grant_every: 'day', quota: 200_000 })
    const { page } = await newPage(browser, gateway.url)
    await page.goto('/wallet')
    await signIn(page, 'payer', 'payer-password-1')
    await page.waitForURL(/\/wallet$/)
    const before = Number(await page.locator('[data-testid=wallet-balance] .quota').getAttribute('data-quota'))
    await page.locator('[data-plan="Daily pro"]').getByRole('button', { name: 'Buy with Alipay (21.90)' }).click()
    await page.waitForURL(`${easypay.url}/submit.php`)
    await expect(page.locator('#money').textContent()).resolves.toBe('21.90')
    await page.click('#pay')
    await page.waitForURL(/\/wallet\?trade_no=/)
    await page.locator(`[data-testid=wallet-balance] .quota[data-quota="${before + 200_000}"]`).waitFor()
    const row = page.locator('[data-testid=subscriptions] tbody tr', { hasText: 'Daily pro' })
    await row.getByText('Active').waitFor()
    expect((await row.locator('td').nth(3).textContent())).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/)
    await screenshot(page, 'wallet-05-plan')
    await page.context().close()
  }, 60_000)

  test('set a low-balance notice: threshold and signed webhook saved, the secret never shown again', async () => {
    const { page } = await newPage(browser, gateway.url)
    await page.goto('/wallet')
    await signIn(page, 'payer', 'payer-password-1')
    await page.waitForURL(/\/wallet$/)
    await page.fill('#notice-threshold', '2')
    await page.fill('#notice-url', 'http://127.0.0.1:9/hook')
    await page.locator('[data-testid=low-balance]').getByRole('button', { name: 'Save' }).click()
    await page.locator('[data-testid=low-balance] .banner-error', { hasText: 'webhook_secret' }).waitFor()
    await page.fill('#notice-secret', 'browser-secret-1')
    await page.locator('[data-testid=low-balance]').getByRole('button', { name: 'Save' }).click()
    await page.locator('.toast-success', { hasText: 'Saved' }).waitFor()
    const payer = await signInCookie(gateway.url, 'payer', 'payer-password-1')
    const self = await apiCall<{ setting: string }>(gateway.url, payer, 'GET', '/api/user/self')
    expect(JSON.parse(self.setting)).toEqual({ notify_type: 'webhook', quota_warning_threshold: 1_000_000, webhook_url: 'http://127.0.0.1:9/hook' })
    await page.reload()
    await expect(page.inputValue('#notice-threshold')).resolves.toBe('2')
    await expect(page.inputValue('#notice-secret')).resolves.toBe('')
    await page.context().close()
  }, 60_000)

  test('admin: create a batch of codes, copy and download them as CSV; the order is in the top-up records', async () => {
    const { page } = await newPage(browser, gateway.url)
    await page.goto('/redemptions')
    await signIn(page, 'root', rootPassword)
    await page.waitForURL(/\/redemptions$/)
    await page.getByRole('button', { name: 'Create codes' }).click()
    const dialog = page.getByRole('dialog')
    await dialog.locator('#redemption-name').fill('promo')
    await dialog.locator('#redemption-count').fill('3')
    await dialog.locator('#redemption-amount').fill('2')
    await dialog.getByRole('button', { name: 'Create', exact: true }).click()
    const keys = (await dialog.locator('[data-testid=created-keys]').inputValue()).split('\n')
    expect(keys).toHaveLength(3)
    for (const key of keys) expect(key).toMatch(/^[0-9a-f]{32}$/)
    const [download] = await Promise.all([page.waitForEvent('download'), dialog.getByRole('button', { name: 'Download CSV' }).click()])
    const csv = readFileSync((await download.path())!, 'utf8')
    expect(csv.trim().split('\n')).toEqual(['name,key,quota', ...keys.map((key) => `"promo","${key}","1000000"`)])
    await screenshot(page, 'redemptions-01-created', false)
    await dialog.getByRole('button', { name: 'Close' }).last().click()
    await expect(page.locator('[data-testid=redemptions-table] tbody tr', { hasText: 'promo' }).count()).resolves.toBe(3)
    await page.locator('[data-testid=redemptions-table] tbody tr', { hasText: 'browser' }).getByText('Used').waitFor()
    await screenshot(page, 'redemptions-02-list')

    await page.goto('/topups')
    await page.locator('[data-testid=topups-table] tbody tr', { hasText: 'Paid' }).filter({ hasText: '146.00' }).waitFor()
    await page.locator('[data-testid=reconciliation] tbody tr', { hasText: 'Balanced' }).waitFor()
    await screenshot(page, 'topups-01-records')
    await page.goto('/payment-settings')
    await expect(page.locator('[data-testid=notify-url]').textContent()).resolves.toBe(`${gateway.url}/api/user/epay/notify`)
    await expect(page.inputValue('#payment-EpayKey')).resolves.toBe('')
    await page.context().close()
  }, 60_000)
})
