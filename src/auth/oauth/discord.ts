import { accessTokenOf, clientSettings, form, OAuthRefusal, providerJson, type OAuthProvider } from './provider.ts'

interface DiscordUser { id?: string; username?: string; global_name?: string | null; email?: string | null; verified?: boolean }

/** Discord OAuth2 (options `discord.enabled`, `discord.client_id`, `discord.client_secret`). */
export const discord: OAuthProvider = {
  name: 'discord', label: 'Discord', column: 'discordId', usernamePrefix: 'discord_',
  settings: (options) => clientSettings(options, { enabled: 'discord.enabled', clientId: 'discord.client_id', clientSecret: 'discord.client_secret' }),
  async authorizeUrl({ options, config }, request) {
    const query = new URLSearchParams({
      response_type: 'code', client_id: options.raw['discord.client_id'] ?? '', redirect_uri: request.redirectUri, scope: 'identify email', state: request.state,
    })
    return `${config.discordBase}/oauth2/authorize?${query}`
  },
  async identify({ options, config }, exchange) {
    const token = accessTokenOf('Discord', await providerJson<{ access_token?: string }>('Discord', `${config.discordBase}/api/oauth2/token`, form({
      grant_type: 'authorization_code', code: exchange.code, redirect_uri: exchange.redirectUri,
      client_id: options.raw['discord.client_id'] ?? '', client_secret: options.secret('discord.client_secret'),
    })))
    const user = await providerJson<DiscordUser>('Discord', `${config.discordBase}/api/users/@me`, { headers: { authorization: `Bearer ${token}` } })
    if (!user.id) throw new OAuthRefusal('Discord sent no user id')
    // Only an address Discord verified is taken as the account's e-mail.
    return { id: user.id, username: user.username, displayName: user.global_name ?? undefined, email: user.verified ? user.email ?? undefined : undefined }
  },
}
