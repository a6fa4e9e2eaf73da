import { accessTokenOf, clientSettings, form, OAuthRefusal, providerJson, type OAuthProvider } from './provider.ts'

interface GitHubUser { id?: number; login?: string; name?: string | null; email?: string | null }

/** GitHub OAuth apps (options `GitHubOAuthEnabled`, `GitHubClientId`, `GitHubClientSecret`). */
export const github: OAuthProvider = {
  name: 'github', label: 'GitHub', column: 'githubId', usernamePrefix: 'github_',
  settings: (options) => clientSettings(options, { enabled: 'GitHubOAuthEnabled', clientId: 'GitHubClientId', clientSecret: 'GitHubClientSecret' }),
  async authorizeUrl({ options, config }, request) {
    const query = new URLSearchParams({ client_id: options.raw.GitHubClientId ?? '', redirect_uri: request.redirectUri, scope: 'read:user user:email', state: request.state })
    return `${config.githubOAuthBase}/login/oauth/authorize?${query}`
  },
  async identify({ options, config }, exchange) {
    const token = accessTokenOf('GitHub', await providerJson<{ access_token?: string }>('GitHub', `${config.githubOAuthBase}/login/oauth/access_token`, form({
      client_id: options.raw.GitHubClientId ?? '', client_secret: options.secret('GitHubClientSecret'), code: exchange.code, redirect_uri: exchange.redirectUri,
    })))
    const user = await providerJson<GitHubUser>('GitHub', `${config.githubApiBase}/user`, {
      headers: { authorization: `Bearer ${token}`, accept: 'application/vnd.github+json', 'x-github-api-version': '2022-11-28' },
    })
    if (typeof user.id !== 'number') throw new OAuthRefusal('GitHub sent no user id')
    // The numeric id, as new-api binds today: a login can be renamed, the id cannot.
    return { id: String(user.id), username: user.login, displayName: user.name ?? undefined, email: user.email ?? undefined, legacyId: user.login }
  },
}
