import { Elysia, t } from 'elysia'
import { randomBytes } from 'node:crypto'
import type { NewUser, UserRow } from '../db/store.ts'
import { DuplicateError } from '../db/store.ts'
import { badRequest, forbidden, GatewayError, notFound } from '../errors.ts'
import {
  authPlugin, emptyEnvelope, envelope, ok, OptionalEnum, pageOf, PageQuery, readPage, ROLE_ADMIN, ROLE_ROOT, ROLE_USER, type ApiDependencies,
} from './context.ts'
import { publicSetting } from '../billing/low-balance.ts'
import { usableGroups } from './groups.ts'
import { createAccount } from '../auth/accounts.ts'
import { currentSession, endOtherSessions, issueSessionCookie, revokeSession, sessionClearCookie, sessionSetCookie } from '../auth/session.ts'
import { verifyTurnstile } from '../auth/turnstile.ts'
import { assertEmailDomainAllowed, normalizeEmail } from '../auth/email-address.ts'
import { checkEmailSecret, restoreEmailSecret, useEmailSecret } from '../auth/email-codes.ts'
import { hasTwoFactor } from '../auth/two-factor.ts'
import { completeSignIn } from './sign-in.ts'
import { beginTwoFactorSignIn } from './two-factor.ts'
import { LimitFields, limitChanges, limitJson, LimitSchema } from '../traffic/limit-fields.ts'

export const UserSchema = t.Object({
  id: t.Integer(), username: t.String(), display_name: t.String(), role: t.Integer(), status: t.Integer(), email: t.String(),
  group: t.String(), quota: t.Number(), used_quota: t.Number(), request_count: t.Number(), aff_code: t.String(),
  inviter_id: t.Integer(), setting: t.String(), must_change_password: t.Boolean(), created_time: t.Number(), ...LimitSchema,
}, { additionalProperties: true })

export const userJson = (user: UserRow) => ({
  id: user.id, username: user.username, display_name: user.displayName, role: user.role, status: user.status, email: user.email,
  group: user.group, quota: Number(user.quota), used_quota: Number(user.usedQuota), request_count: user.requestCount,
  aff_code: user.affCode, aff_count: user.affCount, aff_quota: Number(user.affQuota), aff_history_quota: Number(user.affHistoryQuota), inviter_id: user.inviterId, setting: publicSetting(user.setting), must_change_password: user.mustChangePassword,
  created_time: Number(user.createdTime), ...limitJson(user),
  github_id: user.githubId, discord_id: user.discordId, oidc_id: user.oidcId, wechat_id: '', telegram_id: user.telegramId, linux_do_id: user.linuxDoId,
})

const Username = t.String({ minLength: 1, maxLength: 20, pattern: '^[^\\s]+$', error: 'username must be 1-20 characters without spaces' })
const Password = t.String({ minLength: 8, maxLength: 64, error: 'password must be 8-64 characters' })

/**
 * argon2id with OWASP's recommended minimum (19 MiB, 2 passes): Bun's default takes 64 MiB per hash, which a
 * sign-in leaves in the process's resident memory. Older hashes keep verifying: their parameters are in the hash.
 */
export const hashPassword = (password: string) => Bun.password.hash(password, { algorithm: 'argon2id', memoryCost: 19_456, timeCost: 2 })

/** Verified against for unknown usernames, with the same parameters, so timing does not reveal which names exist. */
let dummyHash: Promise<string> | undefined
const timingDummyHash = () => (dummyHash ??= hashPassword(randomBytes(16).toString('hex')))


/** Create the first root account when the database has no users. Returns the password when it was generated. */
export async function ensureRootUser(dependencies: Pick<ApiDependencies, 'store' | 'config'>): Promise<{ created: boolean; generatedPassword?: string }> {
  if (await dependencies.store.users.count() > 0) return { created: false }
  const configured = dependencies.config.initialRootPassword
  const password = configured ?? randomBytes(12).toString('base64url')
  await dependencies.store.users.create({
    username: 'root', displayName: 'Root User', passwordHash: await hashPassword(password), role: ROLE_ROOT,
    quota: 100_000_000, mustChangePassword: configured === undefined,
  })
  return configured === undefined ? { created: true, generatedPassword: password } : { created: true }
}

export function userRoutes(dependencies: ApiDependencies) {
  const { store, caches, throttle } = dependencies
  const secureCookies = process.env.SESSION_COOKIE_SECURE === 'true'
  const changed = (id: number) => caches.invalidate({ kind: 'users', id })

  /** Admins manage only users below their own role; nobody manages themselves through the admin routes. */
  async function manageable(actor: UserRow, id: number): Promise<UserRow> {
    const target = await store.users.get(id)
    if (!target) throw notFound(`User ${id} does not exist`)
    if (target.id === actor.id) throw forbidden('Use your own profile settings to change your own account')
    if (target.role >= actor.role) throw forbidden('You cannot manage a user whose role is equal to or higher than yours')
    return target
  }

  const duplicateUsername = (error: unknown) => {
    if (error instanceof DuplicateError) throw badRequest('That username is already taken', 'duplicate_username')
    throw error
  }

  // The throttle counts failures per client: behind a proxy, the address TRUSTED_PROXIES lets through.
  const clientAddress = dependencies.addressOf
  return new Elysia({ name: 'tollgate.users', prefix: '/api/user' })
    .use(authPlugin(dependencies))
    .post('/login', async ({ body, query, request, server, set }) => {
      if (!caches.options.passwordLoginEnabled) throw forbidden('Password login is disabled by the administrator', 'login_disabled')
      const address = clientAddress(request, server)
      await verifyTurnstile(dependencies, query.turnstile, address)
      const delay = throttle.delayFor(address)
      if (delay < 0) {
        set.headers['retry-after'] = String(throttle.retryAfter(address))
        throw new GatewayError(429, 'Too many failed logins from this address; try again later', 'too_many_attempts')
      }
      if (delay > 0) await Bun.sleep(delay)
      const user = await store.users.getByUsername(body.username)
      // Verify even for unknown users so timing does not reveal which usernames exist.
      const valid = await Bun.password.verify(body.password, user?.passwordHash ?? await timingDummyHash()).catch(() => false)
      if (!user || !valid) {
        throttle.failed(address)
        return { success: false, message: 'Incorrect username or password' }
      }
      if (user.status !== 1) return { success: false, message: 'User has been banned' }
      throttle.succeeded(address)
      // Accounts imported from one-api / new-api carry bcrypt hashes; the first sign-in replaces them with argon2id.
      let signedIn = user
      if (user.passwordHash.startsWith('$2')) {
        signedIn = (await store.users.update(user.id, { passwordHash: await hashPassword(body.password) })) ?? user
        await changed(user.id)
      }
      // With 2FA on, the password only opens the second step (src/api/two-factor.ts); no session yet.
      if (await hasTwoFactor(dependencies, signedIn.id)) return beginTwoFactorSignIn(dependencies, signedIn, set)
      return completeSignIn(dependencies, signedIn, 'password', request, address, set)
    }, {
      body: t.Object({ username: t.String({ minLength: 1, maxLength: 100 }), password: t.String({ minLength: 1, maxLength: 128 }) }),
      query: t.Object({ turnstile: t.Optional(t.String({ maxLength: 4096 })) }, { additionalProperties: true }),
      detail: { tags: ['Users'], summary: 'Sign in with username (or email) and password; sets the session cookie' },
    })
    .get('/logout', async ({ request, set }) => {
      await revokeSession(dependencies, request)
      set.headers['set-cookie'] = sessionClearCookie
      return ok()
    }, { response: emptyEnvelope, detail: { tags: ['Users'], summary: 'Sign out (revokes the session on every node and clears the cookie)' } })
    .post('/auth/logout', async ({ request, set }) => {
      await revokeSession(dependencies, request)
      set.headers['set-cookie'] = sessionClearCookie
      return ok()
    }, { response: emptyEnvelope, detail: { tags: ['Users'], summary: 'Sign out (new-api current path)' } })
    .post('/register', async ({ body, query, request, server }) => {
      const options = caches.options
      if (!options.registerEnabled || !options.passwordRegisterEnabled) throw forbidden('Registration is disabled by the administrator', 'register_disabled')
      await verifyTurnstile(dependencies, query.turnstile, clientAddress(request, server))
      const verifying = options.raw.EmailVerificationEnabled === 'true'
      const email = verifying || body.email ? normalizeEmail(body.email) : ''
      if (email) assertEmailDomainAllowed(options, email)
      // The code is spent before the account is made and given back when the username turns out taken.
      const secret = verifying ? await checkEmailSecret(dependencies, 'verify', email, body.verification_code) : undefined
      if (secret) {
        // Said only to whoever proved they read this mailbox.
        if ((await store.users.byEmail(email, 1)).length > 0) throw badRequest('This e-mail address is already used by another account', 'email_taken')
        await useEmailSecret(dependencies, secret)
      }
      const passwordHash = await hashPassword(body.password)
      // An invitation code (body `aff_code`, or `?aff=` as the invitation link carries it) rewards both sides.
      await createAccount(dependencies, { username: body.username, passwordHash, email, invitation: body.aff_code || query.aff }).catch(async (error) => {
        if (secret) await restoreEmailSecret(dependencies, secret)
        return duplicateUsername(error)
      })
      return ok()
    }, {
      body: t.Object({ username: Username, password: Password, email: t.Optional(t.String({ maxLength: 100 })), verification_code: t.Optional(t.String({ maxLength: 20 })), aff_code: t.Optional(t.String({ maxLength: 64 })) }),
      query: t.Object({ aff: t.Optional(t.String({ maxLength: 64 })), turnstile: t.Optional(t.String({ maxLength: 4096 })) }, { additionalProperties: true }),
      response: emptyEnvelope,
      detail: { tags: ['Users'], summary: 'Register a user (when RegisterEnabled)' },
    })
    .get('/self', ({ user }) => ok(userJson(user)), { role: ROLE_USER, response: envelope(UserSchema), detail: { tags: ['Users'], summary: 'The signed-in user' } })
    .put('/self', async ({ user, body, request, set }) => {
      const changes: Partial<NewUser> = {}
      if (body.display_name !== undefined) changes.displayName = body.display_name
      if (body.password !== undefined) {
        // An account made by a provider has no password hash (src/auth/oauth/sign-in.ts): verify refuses it.
        if (!body.original_password || !(await Bun.password.verify(body.original_password, user.passwordHash).catch(() => false))) {
          throw badRequest('The current password is incorrect', 'wrong_password')
        }
        if (body.password === body.original_password) throw badRequest('The new password must differ from the current one', 'same_password')
        changes.passwordHash = await hashPassword(body.password)
        changes.mustChangePassword = false
      }
      const updated = (await store.users.update(user.id, changes))!
      await changed(user.id)
      if (changes.passwordHash) {
        // The session is bound to the password: this browser's session is re-issued, every other one ends.
        const session = currentSession(dependencies, request)
        if (session) set.headers['set-cookie'] = sessionSetCookie(issueSessionCookie(dependencies, updated, session), secureCookies)
        await endOtherSessions(dependencies, user.id, session?.id)
      }
      return ok(userJson(updated))
    }, {
      role: ROLE_USER,
      body: t.Object({ display_name: t.Optional(t.String({ maxLength: 20 })), password: t.Optional(Password), original_password: t.Optional(t.String()) }),
      response: envelope(UserSchema),
      detail: { tags: ['Users'], summary: 'Update own display name or password' },
    })
    .get('/token', async ({ user }) => {
      const token = randomBytes(24).toString('base64url')
      await store.users.update(user.id, { accessTokenHash: dependencies.secretBox.hash(token) })
      return ok(token)
    }, { role: ROLE_USER, response: envelope(t.String()), detail: { tags: ['Users'], summary: 'Generate a new personal access token (replaces the previous one)' } })
    .get('/self/groups', ({ user }) => ok(usableGroups(dependencies, user)), {
      role: ROLE_USER, response: envelope(t.Record(t.String(), t.Object({ ratio: t.Number(), desc: t.String() }))), detail: { tags: ['Users'], summary: 'Groups the user may choose for tokens' },
    })
    .get('/groups', () => ok(usableGroups(dependencies)), {
      response: envelope(t.Record(t.String(), t.Object({ ratio: t.Number(), desc: t.String() }))), detail: { tags: ['Users'], summary: 'Groups users may choose' },
    })
    .get('/models', ({ user }) => ok(caches.routing.modelsByGroup.get(user.group) ?? []), {
      role: ROLE_USER, response: envelope(t.Array(t.String())), detail: { tags: ['Users'], summary: 'Models usable in the user\'s group' },
    })
    .get('/', async ({ query }) => {
      const page = readPage(query)
      const result = await store.users.list(page, { by: query.sort_by as never, order: query.sort_order === 'asc' ? 'asc' : 'desc' })
      return ok({ items: result.items.map(userJson), total: result.total, page: page.page, page_size: page.pageSize })
    }, {
      role: ROLE_ADMIN,
      query: t.Object({ ...PageQuery, sort_by: OptionalEnum(['id', 'username', 'quota', 'used_quota', 'request_count', 'role']), sort_order: OptionalEnum(['asc', 'desc']) }),
      response: envelope(pageOf(UserSchema)),
      detail: { tags: ['Users (admin)'], summary: 'List users' },
    })
    .get('/search', async ({ query }) => {
      const page = readPage(query)
      const result = await store.users.search({ keyword: query.keyword, group: query.group, role: query.role, status: query.status }, page)
      return ok({ items: result.items.map(userJson), total: result.total, page: page.page, page_size: page.pageSize })
    }, {
      role: ROLE_ADMIN,
      query: t.Object({ ...PageQuery, keyword: t.Optional(t.String()), group: t.Optional(t.String()), role: t.Optional(t.Numeric()), status: t.Optional(t.Numeric()) }),
      response: envelope(pageOf(UserSchema)),
      detail: { tags: ['Users (admin)'], summary: 'Search users by id, username, display name or email' },
    })
    .get('/:id', async ({ params }) => {
      const user = await store.users.get(params.id)
      if (!user) throw notFound(`User ${params.id} does not exist`)
      return ok(userJson(user))
    }, { role: ROLE_ADMIN, params: t.Object({ id: t.Numeric() }), response: envelope(UserSchema), detail: { tags: ['Users (admin)'], summary: 'Get one user' } })
    .post('/', async ({ body, user: actor }) => {
      const role = body.role ?? ROLE_USER
      if (role >= actor.role) throw forbidden('You cannot create a user with a role equal to or higher than yours')
      const created = await store.users.create({
        ...limitChanges(body), username: body.username, passwordHash: await hashPassword(body.password), displayName: body.display_name || body.username,
        role, group: body.group ?? 'default', quota: body.quota ?? caches.options.quotaForNewUser, email: body.email ?? '',
      }).catch(duplicateUsername)
      await changed(created.id)
      return ok(userJson(created))
    }, {
      role: ROLE_ADMIN,
      body: t.Object({
        username: Username, password: Password, display_name: t.Optional(t.String({ maxLength: 20 })), role: OptionalEnum([ROLE_USER, ROLE_ADMIN]),
        group: t.Optional(t.String({ minLength: 1, maxLength: 64 })), quota: t.Optional(t.Integer({ minimum: 0 })), email: t.Optional(t.String({ maxLength: 100 })), ...LimitFields,
      }),
      response: envelope(UserSchema),
      detail: { tags: ['Users (admin)'], summary: 'Create a user' },
    })
    .put('/', async ({ body, user: actor }) => {
      const before = await manageable(actor, body.id)
      const changes: Partial<NewUser> = limitChanges(body)
      if (body.username !== undefined) changes.username = body.username
      if (body.display_name !== undefined) changes.displayName = body.display_name
      if (body.group !== undefined) changes.group = body.group
      if (body.quota !== undefined) changes.quota = body.quota
      if (body.email !== undefined) changes.email = body.email
      if (body.password) changes.passwordHash = await hashPassword(body.password)
      const updated = await store.users.update(body.id, changes).catch(duplicateUsername)
      if (changes.quota !== undefined) dependencies.onQuotaChanged?.('user', body.id, Number(updated!.quota) - Number(before.quota))
      await changed(body.id)
      if (changes.passwordHash) await endOtherSessions(dependencies, body.id)
      return ok(userJson(updated!))
    }, {
      role: ROLE_ADMIN,
      body: t.Object({
        id: t.Integer(), username: t.Optional(Username), display_name: t.Optional(t.String({ maxLength: 20 })), password: t.Optional(t.Union([Password, t.Literal('')])),
        group: t.Optional(t.String({ minLength: 1, maxLength: 64 })), quota: t.Optional(t.Integer({ minimum: 0 })), email: t.Optional(t.String({ maxLength: 100 })), ...LimitFields,
      }, { additionalProperties: true }),
      response: envelope(UserSchema),
      detail: { tags: ['Users (admin)'], summary: 'Update a user (fields present are changed)' },
    })
    .delete('/:id', async ({ params, user: actor }) => {
      await manageable(actor, params.id)
      await store.users.delete(params.id)
      await Promise.all([changed(params.id), caches.invalidate({ kind: 'tokens' }), endOtherSessions(dependencies, params.id)])
      return ok()
    }, { role: ROLE_ADMIN, params: t.Object({ id: t.Numeric() }), response: emptyEnvelope, detail: { tags: ['Users (admin)'], summary: 'Delete a user and their tokens' } })
    .post('/manage', async ({ body, user: actor }) => {
      const target = await manageable(actor, body.id)
      let changes: Partial<NewUser> = {}
      switch (body.action) {
        case 'disable': changes = { status: 2 }; break
        case 'enable': changes = { status: 1 }; break
        case 'promote':
          if (actor.role !== ROLE_ROOT) throw forbidden('Only root can promote users')
          if (target.role >= ROLE_ADMIN) throw badRequest('The user is already an administrator')
          changes = { role: ROLE_ADMIN }
          break
        case 'demote':
          if (target.role <= ROLE_USER) throw badRequest('The user is already a common user')
          changes = { role: ROLE_USER }
          break
        case 'delete':
          await store.users.delete(target.id)
          await Promise.all([changed(target.id), caches.invalidate({ kind: 'tokens' }), endOtherSessions(dependencies, target.id)])
          return ok()
        case 'add_quota': {
          const value = body.value ?? 0
          if (!Number.isSafeInteger(value) || value < 0) throw badRequest('value must be a whole number of quota units ≥ 0')
          const mode = body.mode ?? 'add'
          const updated = mode === 'override' ? await store.users.update(target.id, { quota: value }) : await store.users.addQuota(target.id, mode === 'subtract' ? -value : value)
          dependencies.onQuotaChanged?.('user', target.id, Number(updated!.quota) - Number(target.quota))
          await changed(target.id)
          return ok(userJson(updated!))
        }
      }
      const updated = await store.users.update(target.id, changes)
      await changed(target.id)
      if (body.action === 'disable') await endOtherSessions(dependencies, target.id)
      return ok(userJson(updated!))
    }, {
      role: ROLE_ADMIN,
      body: t.Object({
        id: t.Integer(), action: t.UnionEnum(['disable', 'enable', 'delete', 'promote', 'demote', 'add_quota']),
        value: t.Optional(t.Number()), mode: OptionalEnum(['add', 'subtract', 'override']),
      }),
      response: t.Union([envelope(UserSchema), emptyEnvelope]),
      detail: { tags: ['Users (admin)'], summary: 'Enable, disable, delete, promote, demote or add quota' },
    })
}
