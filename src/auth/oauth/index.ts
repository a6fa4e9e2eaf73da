import { discord } from './discord.ts'
import { github } from './github.ts'
import { linuxDo } from './linuxdo.ts'
import { oidc } from './oidc.ts'
import type { OAuthProvider } from './provider.ts'

/** Every OAuth sign-in provider. A new one is a file in this folder and one entry here. */
export const oauthProviders: readonly OAuthProvider[] = [github, oidc, linuxDo, discord]

export const oauthProvider = (name: string) => oauthProviders.find((provider) => provider.name === name)
