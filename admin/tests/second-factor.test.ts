/**
 * Two-factor sign-in and passkeys in Chromium against the real gateway process. The console is opened at
 * http://localhost:<port> (a secure context, and a valid WebAuthn relying party id); passkeys are made and used by
 * Chrome's virtual authenticator (DevTools protocol `WebAuthn` domain).
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { Database } from 'bun:sqlite'
import { join } from 'node:path'
import { TOTP } from 'otpauth'
import type { Browser, Page } from 'playwright-core'
import { apiCall, ensureAdminBuilt, hasChromium, launchBrowser, newPage, screenshot, signInCookie, startGateway, type GatewayProcess } from './harness.ts'

const rootPassword = 'second-factor-root-password'
const codeFor = (secret: string, offsetSteps = 0) => new TOTP({ secret, digits: 6, period: 30 }).generate({ timestamp: Date.now() + offsetSteps * 30_000 })

async function signInWithPassword(page: Page, username: string, password: string): Promise<void> {
  await page.goto('/sign-in')
  await page.fill('#sign-in-username', username)
  await page.fill('#sign-in-password', password)
  await page.click('form button[type=submit]')
}

async function signOut(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Sign out' }).click()
  await page.waitForURL(/\/sign-in/)
}

/** What installCeremonyHelpers leaves on `window`. */
interface CeremonyWindow {
  postJson(path: string, body?: unknown): Promise<any>
  /** Ask the browser's authenticator for an assertion and encode it as @simplewebauthn/server reads it. */
  assertion(options: { challenge: string; rpId: string; userVerification?: UserVerificationRequirement; allowCredentials?: { id: string; type: 'public-key' }[] }): Promise<unknown>
}

/** Runs in the page (serialised by page.evaluate): raw WebAuthn calls, so a test can replay or alter the answers. */
function installCeremonyHelpers(): void {
  const toBytes = (text: string) => Uint8Array.from(atob(text.replace(/-/g, '+').replace(/_/g, '/')), (char) => char.charCodeAt(0))
  const toText = (buffer: ArrayBuffer | null) => (buffer ? btoa(String.fromCharCode(...new Uint8Array(buffer))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '') : undefined)
  const helpers: CeremonyWindow = {
    postJson: async (path, body) => (await fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body ?? {}) })).json(),
    async assertion(options) {
      const credential = await navigator.credentials.get({
        publicKey: {
          challenge: toBytes(options.challenge), rpId: options.rpId, userVerification: options.userVerification,
          allowCredentials: options.allowCredentials?.map((allowed) => ({ type: allowed.type, id: toBytes(allowed.id) })),
        },
      }) as PublicKeyCredential
      const response = credential.response as AuthenticatorAssertionResponse
      return {
        id: credential.id, rawId: toText(credential.rawId), type: credential.type, clientExtensionResults: {},
        response: { clientDataJSON: toText(response.clientDataJSON), authenticatorData: toText(response.authenticatorData), signature: toText(response.signature), userHandle: toText(response.userHandle) },
      }
    },
  }
  Object.assign(window, helpers)
}

describe.skipIf(!hasChromium)('two-factor sign-in and passkeys in Chromium', () => {
  let gateway: GatewayProcess
  let browser: Browser
  let origin: string

  beforeAll(async () => {
    ensureAdminBuilt()
    gateway = await startGateway({ INITIAL_ROOT_PASSWORD: rootPassword })
    origin = gateway.url.replace('127.0.0.1', 'localhost')
    browser = await launchBrowser()
    const cookie = await signInCookie(gateway.url, 'root', rootPassword)
    for (const [key, value] of Object.entries({ ServerAddress: origin, 'passkey.enabled': 'true', 'passkey.user_verification': 'required' })) {
      await apiCall(gateway.url, cookie, 'PUT', '/api/option/', { key, value })
    }
    await apiCall(gateway.url, cookie, 'POST', '/api/user/', { username: 'carol', password: 'carol-password-1' })
    await apiCall(gateway.url, cookie, 'POST', '/api/user/', { username: 'dave', password: 'dave-password-1' })
  }, 60_000)

  afterAll(async () => {
    await browser?.close()
    await gateway?.stop()
  })

  test('set up 2FA from the QR page, then sign out and back in with a code', async () => {
    const { page } = await newPage(browser, origin)
    await signInWithPassword(page, 'carol', 'carol-password-1')
    await page.waitForURL(`${origin}/`)
    await page.goto('/account')
    await page.getByRole('button', { name: 'Set up two-factor authentication' }).click()
    const secret = (await page.locator('[data-testid=two-factor-secret]').textContent())!.trim()
    expect(secret).toMatch(/^[A-Z2-7]{32}$/)
    expect(await page.locator('[data-testid=two-factor-qr] svg').count()).toBe(1)
    expect(await page.locator('[data-testid=backup-codes] li').count()).toBe(10)
    await screenshot(page, 'second-factor-01-setup')
    // A wrong code is refused in place and turns nothing on.
    await page.fill('#account-two-factor-code', codeFor(secret) === '000000' ? '111111' : '000000')
    await page.getByRole('button', { name: 'Turn on' }).click()
    await page.locator('.banner', { hasText: 'Wrong verification code' }).waitFor()
    await page.fill('#account-two-factor-code', codeFor(secret))
    await page.getByRole('button', { name: 'Turn on' }).click()
    await page.locator('[data-testid=two-factor-card]', { hasText: 'Backup codes left: 10' }).waitFor()
    await screenshot(page, 'second-factor-02-enabled')

    await signOut(page)
    await signInWithPassword(page, 'carol', 'carol-password-1')
    await page.locator('[data-testid=two-factor-step]').waitFor()
    await screenshot(page, 'second-factor-03-code-step')
    await page.fill('#two-factor-code', 'WRONG-CODE')
    await page.getByRole('button', { name: 'Verify' }).click()
    await page.locator('.banner', { hasText: 'Wrong verification code or backup code' }).waitFor()
    // The code that turned 2FA on is spent: the next step's code signs in.
    await page.fill('#two-factor-code', codeFor(secret, 1))
    await page.getByRole('button', { name: 'Verify' }).click()
    await page.waitForURL(`${origin}/`)
    await page.getByRole('link', { name: 'carol' }).waitFor()
  }, 60_000)

  test('register a passkey on the account page, sign out, sign in with it; a replayed answer is refused; it verifies the session', async () => {
    const { context, page } = await newPage(browser, origin)
    const devtools = await context.newCDPSession(page)
    await devtools.send('WebAuthn.enable')
    await devtools.send('WebAuthn.addVirtualAuthenticator', {
      options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
    })
    await signInWithPassword(page, 'dave', 'dave-password-1')
    await page.waitForURL(`${origin}/`)
    await page.goto('/account')
    await page.fill('#passkey-name', 'Laptop')
    await page.getByRole('button', { name: 'Add a passkey' }).click()
    await page.locator('[data-testid=passkey-list]', { hasText: 'Laptop' }).waitFor()
    await screenshot(page, 'second-factor-04-passkey-added')

    await signOut(page)
    await screenshot(page, 'second-factor-05-sign-in-with-passkey')
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click()
    await page.waitForURL(`${origin}/`)
    await page.getByRole('link', { name: 'dave' }).waitFor()
    await page.goto('/account')
    await page.locator('[data-testid=passkey-list]', { hasText: 'last used' }).waitFor()

    // The same ceremonies by hand, to send an answer twice, against a newer challenge, or with a stale counter.
    await page.evaluate(installCeremonyHelpers)
    const outcomes = await page.evaluate(async () => {
      const { postJson, assertion } = window as unknown as CeremonyWindow
      const answer = await assertion((await postJson('/api/user/passkey/login/begin')).data.options)
      const first = await postJson('/api/user/passkey/login/finish', answer)
      const replayed = await postJson('/api/user/passkey/login/finish', answer)
      await postJson('/api/user/passkey/login/begin')
      const staleChallenge = await postJson('/api/user/passkey/login/finish', answer)
      // Secure verification with the passkey: check it, then confirm through /api/verify.
      const unchecked = await postJson('/api/verify', { method: 'passkey' })
      const check = await assertion((await postJson('/api/user/passkey/verify/begin')).data.options)
      const checked = await postJson('/api/user/passkey/verify/finish', check)
      const verified = await postJson('/api/verify', { method: 'passkey' })
      const status = await (await fetch('/api/verify/status')).json()
      return { first, replayed, staleChallenge, unchecked, checked, verified, status }
    })
    expect(outcomes.first).toMatchObject({ success: true, data: { username: 'dave' } })
    expect(outcomes.replayed).toMatchObject({ success: false, message: 'The passkey request expired or was used already; start again' })
    expect(outcomes.staleChallenge.success).toBe(false)
    expect(outcomes.staleChallenge.message).toStartWith('Passkey verification failed')
    expect(outcomes.unchecked.message).toBe('Check your passkey first (/api/user/passkey/verify/begin and /finish)')
    expect(outcomes.checked.success).toBe(true)
    expect(outcomes.verified).toMatchObject({ success: true, data: { verified: true } })
    expect(outcomes.status.data.verified).toBe(true)

    // A stored signature counter ahead of the authenticator's (a cloned authenticator's mark) refuses the sign-in.
    const database = new Database(join(gateway.dataDir, 'tollgate.db'))
    database.exec('PRAGMA busy_timeout = 5000')
    database.run('UPDATE passkey_credentials SET counter = 100000')
    database.close()
    const cloned = await page.evaluate(async () => {
      const { postJson, assertion } = window as unknown as CeremonyWindow
      return postJson('/api/user/passkey/login/finish', await assertion((await postJson('/api/user/passkey/login/begin')).data.options))
    })
    expect(cloned.success).toBe(false)
    expect(cloned.message).toStartWith('Passkey verification failed')
    expect(cloned.message).toContain('counter')

    await page.reload()
    await page.getByRole('button', { name: 'Remove' }).click()
    await page.locator('[data-testid=passkeys-card]', { hasText: 'No passkeys yet' }).waitFor()
  }, 60_000)

  test('an admin turns a locked-out user\'s 2FA off from the user form', async () => {
    const { page } = await newPage(browser, origin)
    await signInWithPassword(page, 'root', rootPassword)
    await page.waitForURL(`${origin}/`)
    const carol = (await apiCall<{ items: { id: number; username: string }[] }>(gateway.url, await signInCookie(gateway.url, 'root', rootPassword), 'GET', '/api/user/search?keyword=carol')).items[0]!
    await page.goto(`/users/${carol.id}`)
    page.once('dialog', (dialog) => void dialog.accept())
    await page.getByRole('button', { name: 'Turn off two-factor authentication' }).click()
    await page.getByText('Two-factor authentication of the user is off').waitFor()
    await screenshot(page, 'second-factor-06-user-reset')
    // Carol signs in with her password alone again.
    const login = await fetch(`${gateway.url}/api/user/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'carol', password: 'carol-password-1' }) })
    expect(((await login.json()) as { data: { require_2fa?: boolean; id?: number } }).data.id).toBe(carol.id)
  }, 60_000)

  test('the settings page has the passkey and 2FA options', async () => {
    const { page } = await newPage(browser, origin)
    await signInWithPassword(page, 'root', rootPassword)
    await page.waitForURL(/\/$|\/change-password/)
    await page.goto('/settings')
    await page.getByRole('tab', { name: 'Sign-in security' }).click()
    await page.getByText('Administrators must use two-factor authentication').waitFor()
    expect(await page.locator('#option-passkey\\.user_verification').inputValue()).toBe('required')
    await screenshot(page, 'second-factor-07-settings')
  }, 60_000)
})
