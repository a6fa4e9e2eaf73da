import type { ApiDependencies } from '../../api/context.ts'
import { DuplicateError, type UserRow } from '../../db/store.ts'
import { conflict, forbidden } from '../../errors.ts'
import { createAccount } from '../accounts.ts'
import { startSession, type SignInContext } from '../session.ts'
import type { IdentitySource, ProviderIdentity } from './provider.ts'

/**
 * What an account made by a provider has instead of a password hash: no password verifies against it (Bun's verify
 * refuses it as no hash at all), so such an account signs in through its providers only.
 */
export const NO_PASSWORD = '!no-password'
export const hasPassword = (user: UserRow) => !user.passwordHash.startsWith('!')

const USERNAME = /^[^\s]{1,20}$/

/** The provider's username when it is free, else new-api's `github_<next id>`. */
async function chooseUsername(dependencies: ApiDependencies, source: IdentitySource, identity: ProviderIdentity, attempt: number): Promise<string> {
  const wanted = identity.username
  if (attempt === 0 && wanted && USERNAME.test(wanted) && !(await dependencies.store.users.getByUsername(wanted))) return wanted
  const next = (await dependencies.store.users.maxId()) + 1 + attempt
  return `${source.usernamePrefix}${next}`.slice(0, 20)
}

/** An e-mail the provider vouches for, kept only when no account uses it yet (password sign-in accepts e-mails). */
async function freeEmail(dependencies: ApiDependencies, email: string | undefined): Promise<string> {
  const address = email?.trim().toLowerCase()
  if (!address || address.length > 100) return ''
  return (await dependencies.store.users.getByUsername(address)) ? '' : address
}

async function createIdentityAccount(dependencies: ApiDependencies, source: IdentitySource, identity: ProviderIdentity, invitation: string): Promise<UserRow> {
  const email = await freeEmail(dependencies, identity.email)
  // Two sign-ins may pick the same free name at once; the loser takes the next number.
  for (let attempt = 0; ; attempt++) {
    const username = await chooseUsername(dependencies, source, identity, attempt)
    try {
      return await createAccount(dependencies, {
        username, passwordHash: NO_PASSWORD, displayName: (identity.displayName || identity.username || `${source.label} User`).slice(0, 20), email,
        invitation, extra: { [source.column]: identity.id },
      })
    } catch (error) {
      if (!(error instanceof DuplicateError) || attempt >= 3) throw error
      // The identity itself may have been bound by the racing sign-in: then that account is the one.
      const bound = await dependencies.store.users.getByIdentity(source.column, identity.id)
      if (bound) return bound
    }
  }
}

/** The account bound to the identity, by its id or (moved to the id on the way) by its legacy id. */
async function boundAccount(dependencies: ApiDependencies, source: IdentitySource, identity: ProviderIdentity): Promise<UserRow | undefined> {
  const { users } = dependencies.store
  const bound = await users.getByIdentity(source.column, identity.id)
  if (bound || !identity.legacyId || identity.legacyId === identity.id) return bound
  const legacy = await users.getByIdentity(source.column, identity.legacyId)
  if (!legacy) return undefined
  const moved = await users.update(legacy.id, { [source.column]: identity.id })
  await dependencies.caches.invalidate({ kind: 'users', id: legacy.id })
  return moved
}

/**
 * Sign in with a provider identity: the account bound to it, or a new one when registration is open (through
 * `createAccount`, so quota, group, default token and invitation are as for any sign-up). The provider authenticated
 * the user, so no second factor is asked. Returns the session's Set-Cookie value.
 */
export async function signInWithIdentity(
  dependencies: ApiDependencies, source: IdentitySource, identity: ProviderIdentity, context: Omit<SignInContext, 'method'> & { invitation: string },
): Promise<{ user: UserRow; setCookie: string }> {
  let user = await boundAccount(dependencies, source, identity)
  if (!user) {
    if (!dependencies.caches.options.registerEnabled) throw forbidden(`No account is bound to this ${source.label} identity, and registration is disabled`, 'register_disabled')
    user = await createIdentityAccount(dependencies, source, identity, context.invitation)
  }
  if (user.status !== 1) throw forbidden('User has been banned', 'AUTH_USER_DISABLED')
  const setCookie = await startSession(dependencies, user, { method: source.name, address: context.address, userAgent: context.userAgent })
  return { user, setCookie }
}

/** Bind an identity to the signed-in account; one bound to another account is refused and nothing changes. */
export async function bindIdentity(dependencies: ApiDependencies, user: UserRow, source: IdentitySource, identity: ProviderIdentity): Promise<void> {
  const alreadyBound = () => conflict(`This ${source.label} account is already bound to another user`)
  const bound = await boundAccount(dependencies, source, identity)
  if (bound && bound.id !== user.id) throw alreadyBound()
  if (bound) return
  // The unique index settles a race with another bind of the same identity.
  await dependencies.store.users.update(user.id, { [source.column]: identity.id }).catch((error) => {
    throw error instanceof DuplicateError ? alreadyBound() : error
  })
  await dependencies.caches.invalidate({ kind: 'users', id: user.id })
}

/** Unbind; the last way into an account without a password stays, or the account would be locked out. */
export async function unbindIdentity(dependencies: ApiDependencies, user: UserRow, source: IdentitySource, columns: readonly IdentitySource['column'][]): Promise<void> {
  if (!user[source.column]) return
  const others = columns.filter((column) => column !== source.column && user[column])
  if (!hasPassword(user) && others.length === 0) {
    throw forbidden(`${source.label} is the only way to sign in to this account; bind another provider before unbinding it`, 'last_sign_in_method')
  }
  await dependencies.store.users.update(user.id, { [source.column]: '' })
  await dependencies.caches.invalidate({ kind: 'users', id: user.id })
}
