import type { RuntimeOptions } from '../../cache/options.ts'
import { openSecretOption } from '../../payments/settings.ts'
import type { SecretBox } from '../../security/crypto.ts'
import { discord } from './discord.ts'
import { github } from './github.ts'
import { linuxDo, minimumTrustLevel } from './linuxdo.ts'
import { knownAuthorizationEndpoint, oidc } from './oidc.ts'
import type { OptionReader, ProviderSettings } from './provider.ts'
import { telegramSettings } from './telegram.ts'

/** Sign-in secrets, sealed at rest with CRYPTO_SECRET when saved (a plaintext value from new-api still reads). */
export const sealedSignInOptionKeys = new Set(['GitHubClientSecret', 'LinuxDOClientSecret', 'discord.client_secret', 'oidc.client_secret', 'TelegramBotToken'])

export const optionReader = (options: RuntimeOptions, secretBox: SecretBox): OptionReader => ({
  raw: options.raw,
  secret: (key) => openSecretOption(secretBox, options.raw[key]),
})

/** new-api's `/api/status` keys for the sign-in providers: what the sign-in page needs, no secret. */
export function signInStatus(options: OptionReader) {
  const [githubSettings, oidcSettings, linuxDoSettings, discordSettings] = [github, oidc, linuxDo, discord].map((provider) => provider.settings(options)) as [ProviderSettings, ProviderSettings, ProviderSettings, ProviderSettings]
  const telegram = telegramSettings(options)
  const shown = (settings: ProviderSettings) => (settings.enabled ? settings.clientId : '')
  return {
    github_oauth: githubSettings.enabled, github_client_id: shown(githubSettings),
    discord_oauth: discordSettings.enabled, discord_client_id: shown(discordSettings),
    linuxdo_oauth: linuxDoSettings.enabled, linuxdo_client_id: shown(linuxDoSettings), linuxdo_minimum_trust_level: minimumTrustLevel(options.raw.LinuxDOMinimumTrustLevel),
    telegram_oauth: telegram.enabled, telegram_bot_name: telegram.enabled ? telegram.botName : '',
    oidc_enabled: oidcSettings.enabled, oidc_client_id: shown(oidcSettings),
    oidc_authorization_endpoint: oidcSettings.enabled ? knownAuthorizationEndpoint(options) : '',
    oidc_display_name: options.raw['oidc.display_name'] || 'OIDC',
  }
}
