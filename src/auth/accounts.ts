import type { ApiDependencies } from '../api/context.ts'
import { ROLE_USER } from '../api/context.ts'
import { createTokenForUser } from '../api/tokens.ts'
import { createTopUps } from '../billing/top-up.ts'
import type { NewUser, UserRow } from '../db/store.ts'

/** How an account came to be; sign-in methods other than the password form name their provider. */
export type AccountOrigin = 'password' | 'admin' | (string & {})

export interface NewAccount {
  username: string
  passwordHash: string
  displayName?: string
  email?: string
  /** An invitation code (`aff_code`), rewarded on both sides when it names a user. */
  invitation?: string
  /** Provider identity columns and anything else the creating flow sets. */
  extra?: Partial<NewUser>
}

/**
 * The one way a self-service account is made, whichever way the user registered (password form, e-mail, an OAuth
 * provider, Telegram): the new-user quota and default group, the default token when GENERATE_DEFAULT_TOKEN is on,
 * and the invitation reward. Throws the store's DuplicateError when the username is taken.
 */
export async function createAccount(dependencies: ApiDependencies, account: NewAccount): Promise<UserRow> {
  const { store, caches, config } = dependencies
  const user = await store.users.create({
    username: account.username, passwordHash: account.passwordHash, displayName: account.displayName || account.username,
    email: account.email ?? '', quota: caches.options.quotaForNewUser, role: ROLE_USER, ...account.extra,
  })
  if (config.generateDefaultToken) await createTokenForUser(dependencies, user, { name: 'default', unlimited_quota: true })
  await caches.invalidate({ kind: 'users', id: user.id })
  const invitation = account.invitation?.trim()
  if (invitation) await createTopUps(dependencies).acceptInvitation(user, invitation)
  return user
}
