/**
 * Sign-in providers in Chromium against the real gateway process: the OIDC button's round trip through a real
 * OpenID Provider (oidc-provider) run locally, GitHub's through a local mock of its OAuth endpoints, the Telegram
 * widget's data handed to the page the way the widget's callback would, binding and unbinding on the account page,
 * and the providers' settings with write-only secrets.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import type { Browser, Page } from 'playwright-core'
import { startMockOAuthProviders, type MockOAuthProviders } from '../../src/testing/mock-oauth-providers.ts'
import { startOidcServer, type OidcServer } from '../../src/testing/oidc-server.ts'
import { telegramWidgetData } from '../../src/testing/telegram-widget.ts'
import { apiCall, ensureAdminBuilt, hasChromium, launchBrowser, newPage, screenshot, signedInPage, signInCookie, startGateway, type GatewayProcess } from './harness.ts'

const rootPassword = 'sign-in-providers-password'
const clients = {
  github: { clientId: 'gh-browser', clientSecret: 'gh-browser-secret' },
  linuxdo: { clientId: 'ld-browser', clientSecret: 'ld-browser-secret' },
  discord: { clientId: 'dc-browser', clientSecret: 'dc-browser-secret' },
}
const oidcClient = { clientId: 'tollgate-browser', clientSecret: 'oidc-browser-secret' }
const botToken = '4242:browser-test-bot-token'

describe.skipIf(!hasChromium)('sign-in providers in Chromium', () => {
  let gateway: GatewayProcess
  let mock: MockOAuthProviders
  let oidc: OidcServer
  let browser: Browser
  let cookie: string

  /** A fresh browser (no cookies) that never reaches telegram.org: the widget's script is refused, as offline. */
  async function freshPage(): Promise<Page> {
    const { context, page } = await newPage(browser, gateway.url)
    await context.route('https://telegram.org/**', (route) => route.abort())
    return page
  }
  const self = (page: Page) => page.evaluate(async () => (await (await fetch('/api/user/self')).json()) as { success: boolean; data: Record<string, unknown> })

  beforeAll(async () => {
    ensureAdminBuilt()
    mock = startMockOAuthProviders(clients)
    gateway = await startGateway({ INITIAL_ROOT_PASSWORD: rootPassword, GITHUB_OAUTH_BASE: mock.url, GITHUB_API_BASE: mock.url, LINUXDO_BASE: mock.url, DISCORD_BASE: mock.url })
    oidc = await startOidcServer({ ...oidcClient, redirectUri: `${gateway.url}/oauth/oidc` })
    browser = await launchBrowser()
    cookie = await signInCookie(gateway.url, 'root', rootPassword)
    for (const [key, value] of Object.entries({
      ServerAddress: gateway.url,
      GitHubOAuthEnabled: 'true', GitHubClientId: clients.github.clientId, GitHubClientSecret: clients.github.clientSecret,
      'oidc.enabled': 'true', 'oidc.client_id': oidcClient.clientId, 'oidc.client_secret': oidcClient.clientSecret, 'oidc.well_known': oidc.wellKnown, 'oidc.display_name': 'Company SSO',
      TelegramOAuthEnabled: 'true', TelegramBotName: 'tollgate_browser_bot', TelegramBotToken: botToken,
    })) await apiCall(gateway.url, cookie, 'PUT', '/api/option/', { key, value })
  }, 60_000)

  afterAll(async () => {
    await browser?.close()
    await gateway?.stop()
    await mock?.stop()
    await oidc?.stop()
  }, 30_000)

  test('the sign-in page shows a button per enabled provider and the Telegram widget', async () => {
    const page = await freshPage()
    await page.goto('/sign-in')
    await page.getByTestId('oauth-oidc').waitFor()
    expect(await page.getByTestId('oauth-oidc').textContent()).toBe('Continue with Company SSO')
    expect(await page.getByTestId('oauth-github').textContent()).toBe('Continue with GitHub')
    expect(await page.getByTestId('oauth-linuxdo').count()).toBe(0)
    // The widget's script is on the page only because Telegram sign-in is on.
    expect(await page.locator('script[src*="telegram-widget.js"]').getAttribute('data-telegram-login')).toBe('tollgate_browser_bot')
    await screenshot(page, 'sign-in-providers-01-sign-in')
  }, 30_000)

  test('OIDC: the button goes through the provider and lands signed in', async () => {
    const page = await freshPage()
    await page.goto('/sign-in')
    await page.getByTestId('oauth-oidc').click()
    await page.waitForURL(`${gateway.url}/`)
    const me = await self(page)
    expect(me.data).toMatchObject({ username: 'oidc-alice', oidc_id: 'oidc-user-1' })
    await page.locator('.shell, nav, header').first().waitFor()
    await screenshot(page, 'sign-in-providers-02-oidc-signed-in')
  }, 30_000)

  test('GitHub: the button goes through the mock and lands signed in where the sign-in page was to go on to', async () => {
    const page = await freshPage()
    await page.goto('/tokens')
    await page.waitForURL(/\/sign-in\?next=/)
    await page.getByTestId('oauth-github').click()
    await page.waitForURL(`${gateway.url}/tokens`)
    expect((await self(page)).data).toMatchObject({ username: 'octocat', github_id: '1001' })
  }, 30_000)

  test('a callback replayed in another browser shows the refusal and signs nobody in', async () => {
    mock.users.github = { id: 1500, login: 'replayed', name: 'Replayed', email: null }
    const started = await (await fetch(`${gateway.url}/api/oauth/state?provider=github`)).json() as { authorize_url: string }
    const back = (await fetch(started.authorize_url, { redirect: 'manual' })).headers.get('location')!
    const page = await freshPage()
    await page.goto(back)
    await page.getByTestId('oauth-callback').getByText('another browser').waitFor()
    expect((await self(page)).success).toBe(false)
    await screenshot(page, 'sign-in-providers-03-refused')
  }, 30_000)

  test('Telegram: the widget\'s data signs in', async () => {
    const page = await freshPage()
    await page.goto('/sign-in')
    await page.getByTestId('telegram-widget').waitFor({ state: 'attached' })
    const data = telegramWidgetData(botToken, { id: '777001', first_name: 'Widget', username: 'widget_user', auth_date: String(Math.floor(Date.now() / 1000)) })
    await page.evaluate((user) => (window as unknown as { tollgateTelegramAuth: (user: unknown) => void }).tollgateTelegramAuth(user), data)
    await page.waitForURL(`${gateway.url}/`)
    expect((await self(page)).data).toMatchObject({ username: 'widget_user', telegram_id: '777001' })
  }, 30_000)

  test('account page: bind GitHub, see it, unbind it', async () => {
    mock.users.github = { id: 1600, login: 'root-on-github', name: 'Root', email: null }
    const page = await signedInPage(browser, gateway.url, cookie)
    await page.goto('/account')
    await page.getByTestId('bindings').waitFor()
    await screenshot(page, 'sign-in-providers-04-bindings')
    await page.getByTestId('binding-github').getByRole('button', { name: 'Bind' }).click()
    await page.waitForURL(`${gateway.url}/account`)
    await page.getByTestId('binding-github').getByText('1600').waitFor()
    await screenshot(page, 'sign-in-providers-05-bound')
    await page.getByTestId('binding-github').getByRole('button', { name: 'Unbind' }).click()
    await page.getByTestId('binding-github').getByRole('button', { name: 'Bind' }).waitFor()
    expect((await self(page)).data.github_id).toBe('')
  }, 30_000)

  test('settings: callback URLs shown, secrets write-only', async () => {
    const page = await signedInPage(browser, gateway.url, cookie)
    await page.goto('/sign-in-settings')
    await page.getByTestId('sign-in-settings').waitFor()
    expect(await page.getByTestId('callback-github').textContent()).toBe(`${gateway.url}/oauth/github`)
    expect(await page.locator('#sign-in-GitHubClientId').inputValue()).toBe(clients.github.clientId)
    expect(await page.locator('#sign-in-GitHubClientSecret').inputValue()).toBe('')
    expect(await page.locator('#sign-in-oidc\\.enabled').isChecked()).toBe(true)
    await page.fill('#sign-in-discord\\.client_id', 'dc-browser')
    await page.fill('#sign-in-discord\\.client_secret', 'typed-in-the-console')
    await page.locator('#sign-in-discord\\.enabled').check()
    await screenshot(page, 'sign-in-providers-06-settings')
    await page.getByRole('button', { name: 'Save' }).click()
    await page.getByText('Saved').first().waitFor()
    expect(await page.locator('#sign-in-discord\\.client_secret').inputValue()).toBe('')
    const status = await (await fetch(`${gateway.url}/api/status`)).json() as { data: Record<string, unknown> }
    expect(status.data.discord_oauth).toBe(true)
    const options = JSON.stringify(await apiCall(gateway.url, cookie, 'GET', '/api/option/'))
    expect(options).not.toContain('typed-in-the-console')
  }, 30_000)
})
