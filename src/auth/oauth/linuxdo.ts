import { accessTokenOf, clientSettings, basicAuth, form, OAuthRefusal, providerJson, type OAuthProvider } from './provider.ts'

interface LinuxDoUser { id?: number; username?: string; name?: string; active?: boolean; trust_level?: number; silenced?: boolean }

/**
 * LinuxDO Connect (options `LinuxDOOAuthEnabled`, `LinuxDOClientId`, `LinuxDOClientSecret`,
 * `LinuxDOMinimumTrustLevel`): a user below the minimum trust level is refused, as new-api does.
 */
export const linuxDo: OAuthProvider = {
  name: 'linuxdo', label: 'LinuxDO', column: 'linuxDoId', usernamePrefix: 'linuxdo_',
  settings: (options) => clientSettings(options, { enabled: 'LinuxDOOAuthEnabled', clientId: 'LinuxDOClientId', clientSecret: 'LinuxDOClientSecret' }),
  async authorizeUrl({ options, config }, request) {
    const query = new URLSearchParams({ response_type: 'code', client_id: options.raw.LinuxDOClientId ?? '', redirect_uri: request.redirectUri, state: request.state })
    return `${config.linuxDoBase}/oauth2/authorize?${query}`
  },
  async identify({ options, config }, exchange) {
    const answer = await providerJson<{ access_token?: string }>('LinuxDO', `${config.linuxDoBase}/oauth2/token`, {
      ...form({ grant_type: 'authorization_code', code: exchange.code, redirect_uri: exchange.redirectUri }),
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basicAuth(options.raw.LinuxDOClientId ?? '', options.secret('LinuxDOClientSecret')) },
    })
    const user = await providerJson<LinuxDoUser>('LinuxDO', `${config.linuxDoBase}/api/user`, { headers: { authorization: `Bearer ${accessTokenOf('LinuxDO', answer)}` } })
    if (typeof user.id !== 'number' || user.id === 0) throw new OAuthRefusal('LinuxDO sent no user id')
    const minimum = minimumTrustLevel(options.raw.LinuxDOMinimumTrustLevel)
    const level = user.trust_level ?? 0
    if (level < minimum) throw new OAuthRefusal(`Your LinuxDO trust level is ${level}; this site requires at least ${minimum}`, 'oauth_trust_level_too_low')
    return { id: String(user.id), username: user.username, displayName: user.name || undefined }
  },
}

export const minimumTrustLevel = (value: string | undefined) => {
  const level = Number(value ?? 0)
  return Number.isInteger(level) && level > 0 ? level : 0
}
