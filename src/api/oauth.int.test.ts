import { describe, expect, test } from 'bun:test'
import { browserJar } from '../testing/browser-jar.ts'
import { createPostgresDatabase, postgresUrl, redisUrl } from '../testing/databases.ts'
import { startMockOAuthProviders } from '../testing/mock-oauth-providers.ts'
import { startTestServer } from '../testing/server.ts'

const clients = {
  github: { clientId: 'gh-nodes', clientSecret: 'gh-nodes-secret' },
  linuxdo: { clientId: 'ld-nodes', clientSecret: 'ld-nodes-secret' },
  discord: { clientId: 'dc-nodes', clientSecret: 'dc-nodes-secret' },
}

describe.skipIf(!postgresUrl || !redisUrl)('OAuth states across two nodes (Postgres + Redis)', () => {
  test('a state started on one node finishes on the other, once: the replay is refused on both', async () => {
    const database = await createPostgresDatabase()
    const mock = startMockOAuthProviders(clients)
    const shared = {
      DATABASE_URL: database.url, REDIS_URL: redisUrl!, CRYPTO_SECRET: 'shared-crypto-secret-for-tests', SESSION_SECRET: 'shared-session-secret-for-tests',
      GITHUB_OAUTH_BASE: mock.url, GITHUB_API_BASE: mock.url,
    }
    const nodes = [await startTestServer(shared), await startTestServer(shared)] as const
    try {
      const root = await nodes[0].signIn()
      for (const [key, value] of Object.entries({ GitHubOAuthEnabled: 'true', GitHubClientId: clients.github.clientId, GitHubClientSecret: clients.github.clientSecret })) {
        await root.call('PUT', '/api/option/', { key, value })
      }
      // The option changes reach the other node over the bus (all three: the provider is on only with id and secret).
      const enabledOnSecond = async () => (await browserJar(nodes[1].url).call('/api/status')).body.data.github_oauth === true
      for (let attempt = 0; attempt < 200 && !(await enabledOnSecond()); attempt++) await Bun.sleep(50)
      expect(await enabledOnSecond()).toBe(true)
      const onFirst = browserJar(nodes[0].url)
      const started = await onFirst.call('/api/oauth/state?provider=github')
      const back = new URL((await fetch(started.body.authorize_url, { redirect: 'manual' })).headers.get('location')!)
      // Same browser (its cookies), other node: a load balancer may send the callback anywhere.
      const onSecond = browserJar(nodes[1].url)
      for (const [name, value] of onFirst.cookies) onSecond.cookies.set(name, value)
      const results = await Promise.all([onSecond.call(`/api/oauth/github${back.search}`), onFirst.call(`/api/oauth/github${back.search}`)])
      expect(results.map((result) => result.status).sort(), JSON.stringify(results.map((result) => result.body))).toEqual([200, 403])
      expect((await onSecond.call(`/api/oauth/github${back.search}`)).status).toBe(403)
    } finally {
      for (const node of nodes) await node.dispose()
      await mock.stop()
      await database.drop()
    }
  }, 30_000)
})
