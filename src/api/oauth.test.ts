import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { browserJar, type BrowserJar } from '../testing/browser-jar.ts'
import { startMockOAuthProviders, type MockOAuthProviders } from '../testing/mock-oauth-providers.ts'
import { telegramWidgetData } from '../testing/telegram-widget.ts'
import { startTestServer, type ApiClient, type TestServer } from '../testing/server.ts'

const clients = {
  github: { clientId: 'gh-client', clientSecret: 'gh-secret-value' },
  linuxdo: { clientId: 'ld-client', clientSecret: 'ld-secret-value' },
  discord: { clientId: 'dc-client', clientSecret: 'dc-secret-value' },
}
const BOT_TOKEN = '123456:telegram-bot-token-for-tests'

let mock: MockOAuthProviders
let server: TestServer
let root: ApiClient

const setOption = async (key: string, value: string) => expect((await root.call('PUT', '/api/option/', { key, value })).body.success).toBe(true)

beforeAll(async () => {
  mock = startMockOAuthProviders(clients)
  server = await startTestServer({ GITHUB_OAUTH_BASE: mock.url, GITHUB_API_BASE: mock.url, LINUXDO_BASE: mock.url, DISCORD_BASE: mock.url })
  root = await server.signIn()
  for (const [key, value] of Object.entries({
    GitHubOAuthEnabled: 'true', GitHubClientId: clients.github.clientId, GitHubClientSecret: clients.github.clientSecret,
    LinuxDOOAuthEnabled: 'true', LinuxDOClientId: clients.linuxdo.clientId, LinuxDOClientSecret: clients.linuxdo.clientSecret, LinuxDOMinimumTrustLevel: '2',
    'discord.enabled': 'true', 'discord.client_id': clients.discord.clientId, 'discord.client_secret': clients.discord.clientSecret,
    TelegramOAuthEnabled: 'true', TelegramBotName: 'tollgate_test_bot', TelegramBotToken: BOT_TOKEN, QuotaForNewUser: '777',
  })) await setOption(key, value)
})
afterAll(async () => {
  await server?.dispose()
  await mock?.stop()
})

/** state → the provider's authorize page (which approves) → the callback the console page would call. */
async function roundTrip(jar: BrowserJar, provider: string, action: 'login' | 'bind' = 'login') {
  const started = await jar.call(`/api/oauth/state?provider=${provider}&action=${action}`)
  expect(started.body.success).toBe(true)
  const authorize = await fetch(started.body.authorize_url, { redirect: 'manual' })
  const back = new URL(authorize.headers.get('location')!)
  expect(back.pathname).toBe(`/oauth/${provider}`)
  expect(back.searchParams.get('state')).toBe(started.body.data)
  return { callback: () => jar.call(`/api/oauth/${provider}${back.search}`), back }
}

describe('OAuth sign-in against local GitHub, LinuxDO and Discord endpoints', () => {
  test('/api/status names the enabled providers and their public client ids, never a secret', async () => {
    const status = (await browserJar(server.url).call('/api/status')).body.data
    expect(status).toMatchObject({
      github_oauth: true, github_client_id: 'gh-client', linuxdo_oauth: true, linuxdo_client_id: 'ld-client', linuxdo_minimum_trust_level: 2,
      discord_oauth: true, discord_client_id: 'dc-client', telegram_oauth: true, telegram_bot_name: 'tollgate_test_bot', oidc_enabled: false,
    })
    expect(JSON.stringify(status)).not.toContain('secret-value')
  })

  test('client secrets and the bot token are sealed at rest and left out of GET /api/option/', async () => {
    const listed = JSON.stringify((await root.call('GET', '/api/option/')).body.data)
    expect(listed).not.toContain('GitHubClientSecret')
    expect(listed).not.toContain('secret-value')
    expect(listed).not.toContain('TelegramBotToken')
    const stored = await server.store.options.all()
    for (const key of ['GitHubClientSecret', 'LinuxDOClientSecret', 'discord.client_secret', 'TelegramBotToken']) {
      expect(stored[key]).toStartWith('v1:')
    }
  })

  test('GitHub: first sign-in creates the account through createAccount; the next one signs into it', async () => {
    const jar = browserJar(server.url)
    const signedIn = await (await roundTrip(jar, 'github')).callback()
    expect(signedIn.body).toMatchObject({ success: true, data: { username: 'octocat', display_name: 'The Octocat', role: 1, status: 1, group: 'default' } })
    expect(jar.cookies.get('session')).toBeTruthy()
    const self = (await jar.call('/api/user/self')).body.data
    expect(self).toMatchObject({ github_id: '1001', email: 'octocat@example.com', quota: 777 })
    const again = browserJar(server.url)
    expect((await (await roundTrip(again, 'github')).callback()).body.data.id).toBe(self.id)
  })

  test('an account bound under its GitHub login (new-api before numeric ids, or imported) signs in and moves to the id', async () => {
    const legacy = await server.store.users.create({ username: 'legacy-gh', passwordHash: 'x', githubId: 'old-login' })
    mock.users.github = { id: 1100, login: 'old-login', name: 'Old', email: null }
    const signedIn = await (await roundTrip(browserJar(server.url), 'github')).callback()
    expect(signedIn.body.data.id).toBe(legacy.id)
    expect((await server.store.users.get(legacy.id))?.githubId).toBe('1100')
  })

  test('a taken username becomes new-api\'s github_<n>', async () => {
    mock.users.github = { id: 1002, login: 'root', name: null, email: null }
    const signedIn = await (await roundTrip(browserJar(server.url), 'github')).callback()
    expect(signedIn.body.data.username).toMatch(/^github_\d+$/)
    expect(signedIn.body.data.display_name).toBe('root')
  })

  test('a reused state, a state from another browser and an expired state are refused and change nothing', async () => {
    mock.users.github = { id: 1003, login: 'mona', name: 'Mona', email: null }
    const users = await server.store.users.count()
    const jar = browserJar(server.url)
    const first = await roundTrip(jar, 'github')
    // Another browser holding the whole callback URL (code and state) gets nowhere.
    const thief = browserJar(server.url)
    await thief.call('/api/oauth/state?provider=github')
    const stolen = await thief.call(`/api/oauth/github${first.back.search}`)
    expect(stolen.status).toBe(403)
    expect(stolen.body.message).toContain('another browser')
    expect(thief.cookies.get('session')).toBeUndefined()
    expect((await first.callback()).body.success).toBe(true)
    const reused = await first.callback()
    expect(reused.status).toBe(403)
    expect(reused.body.success).toBe(false)
    // Expired: the row is still there but past its time.
    mock.users.github = { id: 1004, login: 'late', name: 'Late', email: null }
    const late = await roundTrip(browserJar(server.url), 'github')
    const { db, tables } = server.store.database
    await db.update(tables.oauthStatesTable).set({ expiresAt: 1 })
    expect((await late.callback()).status).toBe(403)
    expect(await server.store.users.count()).toBe(users + 1)
    expect(await server.store.users.getByIdentity('githubId', '1004')).toBeUndefined()
  })

  test('a state without a code, or for another provider, is refused', async () => {
    const jar = browserJar(server.url)
    const started = await jar.call('/api/oauth/state?provider=github')
    expect((await jar.call(`/api/oauth/discord?code=x&state=${started.body.data}`)).status).toBe(403)
    expect((await jar.call(`/api/oauth/github?code=forged&state=${started.body.data}`)).body.message).toContain('GitHub refused the sign-in')
  })

  test('LinuxDO: below the minimum trust level is refused; at it the user signs in', async () => {
    mock.users.linuxdo = { id: 2002, username: 'penguin', name: 'Penguin', active: true, trust_level: 1, silenced: false }
    const low = await (await roundTrip(browserJar(server.url), 'linuxdo')).callback()
    expect(low.status).toBe(403)
    expect(low.body.message).toContain('trust level is 1')
    expect(await server.store.users.getByIdentity('linuxDoId', '2002')).toBeUndefined()
    mock.users.linuxdo = { ...mock.users.linuxdo, trust_level: 2 }
    const ok = await (await roundTrip(browserJar(server.url), 'linuxdo')).callback()
    expect(ok.body.data.username).toBe('penguin')
  })

  test('Discord: sign-in, then bind and unbind from another account; an identity bound elsewhere is refused', async () => {
    const first = await (await roundTrip(browserJar(server.url), 'discord')).callback()
    expect(first.body.data.username).toBe('wumpus')
    // root binds the same Discord account: refused, nothing moves.
    const rootJar = browserJar(server.url)
    await rootJar.call('/api/user/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'root', password: 'root-password-for-tests' }) })
    const refused = await (await roundTrip(rootJar, 'discord', 'bind')).callback()
    expect(refused.status).toBe(409)
    expect((await rootJar.call('/api/user/self')).body.data.discord_id).toBe('')
    // A fresh Discord account binds to root, shows in /api/user/self, and unbinds.
    mock.users.discord = { id: '3004', username: 'rootcord', global_name: null, email: null, verified: false }
    const bind = await (await roundTrip(rootJar, 'discord', 'bind')).callback()
    expect(bind.body).toMatchObject({ success: true, data: { action: 'bind' } })
    expect((await rootJar.call('/api/user/self')).body.data.discord_id).toBe('3004')
    expect((await rootJar.call('/api/oauth/discord/unbind', { method: 'POST' })).body.success).toBe(true)
    expect((await rootJar.call('/api/user/self')).body.data.discord_id).toBe('')
  })

  test('binding needs a session, and the same one at the callback', async () => {
    expect((await browserJar(server.url).call('/api/oauth/state?provider=discord&action=bind')).status).toBe(401)
  })

  test('the last way into an account without a password cannot be unbound', async () => {
    const jar = browserJar(server.url)
    mock.users.github = { id: 1010, login: 'only-github', name: 'Only', email: null }
    await (await roundTrip(jar, 'github')).callback()
    const refused = await jar.call('/api/oauth/github/unbind', { method: 'POST' })
    expect(refused.status).toBe(403)
    expect((await jar.call('/api/user/self')).body.data.github_id).toBe('1010')
  })

  test('a disabled user is refused; with registration off a new identity is refused', async () => {
    mock.users.github = { id: 1020, login: 'soon-disabled', name: 'Soon', email: null }
    const created = (await (await roundTrip(browserJar(server.url), 'github')).callback()).body.data
    await root.call('POST', '/api/user/manage', { id: created.id, action: 'disable' })
    const banned = await (await roundTrip(browserJar(server.url), 'github')).callback()
    expect(banned.status).toBe(403)
    expect(banned.body.message).toBe('User has been banned')
    await setOption('RegisterEnabled', 'false')
    try {
      mock.users.github = { id: 1021, login: 'newcomer', name: 'New', email: null }
      const closed = await (await roundTrip(browserJar(server.url), 'github')).callback()
      expect(closed.status).toBe(403)
      expect(await server.store.users.getByIdentity('githubId', '1021')).toBeUndefined()
    } finally {
      await setOption('RegisterEnabled', 'true')
    }
  })

  test('a disabled provider answers no state', async () => {
    await setOption('GitHubOAuthEnabled', 'false')
    try {
      expect((await browserJar(server.url).call('/api/oauth/state?provider=github')).status).toBe(403)
      expect((await browserJar(server.url).call('/api/status')).body.data.github_oauth).toBe(false)
    } finally {
      await setOption('GitHubOAuthEnabled', 'true')
    }
  })
})

describe('Telegram login widget', () => {
  const now = () => String(Math.floor(Date.now() / 1000))
  const login = (jar: BrowserJar, data: Record<string, string>, path = 'login') => jar.call(`/api/oauth/telegram/${path}?${new URLSearchParams(data)}`)

  test('signed widget data signs in (creating the account); a bad hash or an old auth_date is refused', async () => {
    const fields = { id: '555', first_name: 'Tele', last_name: 'Gram', username: 'telegrammer', auth_date: now() }
    const users = await server.store.users.count()
    const forged = await login(browserJar(server.url), { ...telegramWidgetData(BOT_TOKEN, fields), first_name: 'Mallory' })
    expect(forged.status).toBe(403)
    const otherBot = await login(browserJar(server.url), telegramWidgetData('999:another-bot', fields))
    expect(otherBot.status).toBe(403)
    const old = await login(browserJar(server.url), telegramWidgetData(BOT_TOKEN, { ...fields, auth_date: String(Math.floor(Date.now() / 1000) - 86_401) }))
    expect(old.status).toBe(403)
    expect(old.body.message).toContain('too old')
    expect(await server.store.users.count()).toBe(users)
    const jar = browserJar(server.url)
    const signedIn = await login(jar, telegramWidgetData(BOT_TOKEN, fields))
    expect(signedIn.body.data).toMatchObject({ username: 'telegrammer', display_name: 'Tele Gram' })
    expect((await jar.call('/api/user/self')).body.data.telegram_id).toBe('555')
  })

  test('bind: a signed-in user binds Telegram; an identity bound elsewhere is refused', async () => {
    const jar = browserJar(server.url)
    await jar.call('/api/user/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'root', password: 'root-password-for-tests' }) })
    expect((await login(jar, telegramWidgetData(BOT_TOKEN, { id: '555', auth_date: now() }), 'bind')).status).toBe(409)
    expect((await login(browserJar(server.url), telegramWidgetData(BOT_TOKEN, { id: '556', auth_date: now() }), 'bind')).status).toBe(401)
    const bound = await login(jar, telegramWidgetData(BOT_TOKEN, { id: '556', username: 'roottg', auth_date: now() }), 'bind')
    expect(bound.body).toMatchObject({ success: true, data: { action: 'bind' } })
    expect((await jar.call('/api/user/self')).body.data.telegram_id).toBe('556')
    // A page elsewhere sending this browser here with someone else's widget data: refused, nothing bound.
    await jar.call('/api/oauth/telegram/unbind', { method: 'POST' })
    const attackerData = new URLSearchParams(telegramWidgetData(BOT_TOKEN, { id: '557', auth_date: now() }))
    const crossSite = await jar.call(`/api/oauth/telegram/bind?${attackerData}`, { headers: { 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'navigate' } })
    expect(crossSite.status).toBe(403)
    expect((await jar.call('/api/user/self')).body.data.telegram_id).toBe('')
    expect((await browserJar(server.url).call(`/api/oauth/telegram/login?${attackerData}`, { headers: { 'sec-fetch-site': 'cross-site' } })).status).toBe(403)
    expect((await jar.call(`/api/oauth/telegram/bind?${attackerData}`, { headers: { 'sec-fetch-site': 'same-origin' } })).body.success).toBe(true)
  })
})
