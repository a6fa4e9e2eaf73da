import { Elysia, t } from 'elysia'
import type { NewToken, TokenRow, UserRow } from '../db/store.ts'
import { badRequest, notFound } from '../errors.ts'
import { parseAllowList, splitAllowList } from '../auth/ip-allow.ts'
import { generateTokenKey, maskKey } from '../security/crypto.ts'
import { authPlugin, emptyEnvelope, envelope, ok, OptionalEnum, pageOf, PageQuery, readPage, ROLE_USER, type ApiDependencies } from './context.ts'
import { usableGroups } from './groups.ts'
import { splitList } from '../split-list.ts'
import { LimitFields, limitChanges, limitJson, LimitSchema } from '../traffic/limit-fields.ts'

export const TokenSchema = t.Object({
  id: t.Integer(), user_id: t.Integer(), key: t.String(), status: t.Integer(), name: t.String(), created_time: t.Number(),
  accessed_time: t.Number(), expired_time: t.Number(), remain_quota: t.Number(), unlimited_quota: t.Boolean(), used_quota: t.Number(),
  model_limits_enabled: t.Boolean(), model_limits: t.String(), allow_ips: t.String(), group: t.String(), cross_group_retry: t.Boolean(),
  ...LimitSchema,
})

export const tokenJson = (token: TokenRow) => ({
  id: token.id, user_id: token.userId, key: token.keyMask, status: token.status, name: token.name, created_time: Number(token.createdTime),
  accessed_time: Number(token.accessedTime), expired_time: Number(token.expiredTime), remain_quota: Number(token.remainQuota),
  unlimited_quota: token.unlimitedQuota, used_quota: Number(token.usedQuota), model_limits_enabled: token.modelLimitsEnabled,
  model_limits: token.modelLimits, allow_ips: token.allowIps, group: token.group, cross_group_retry: token.crossGroupRetry,
  ...limitJson(token),
})

const TokenFields = {
  name: t.Optional(t.String({ maxLength: 50, error: 'name must be at most 50 characters' })),
  remain_quota: t.Optional(t.Integer({ minimum: 0, error: 'remain_quota must be a whole number of quota units ≥ 0' })),
  unlimited_quota: t.Optional(t.Boolean()),
  expired_time: t.Optional(t.Integer({ minimum: -1, error: 'expired_time must be unix seconds, or -1 for never' })),
  model_limits_enabled: t.Optional(t.Boolean()),
  model_limits: t.Optional(t.String({ maxLength: 10_000 })),
  allow_ips: t.Optional(t.Union([t.String({ maxLength: 10_000 }), t.Null()])),
  group: t.Optional(t.String({ maxLength: 64 })),
  cross_group_retry: t.Optional(t.Boolean()),
  ...LimitFields,
}
type TokenInput = { [K in keyof typeof TokenFields]?: unknown } & {
  name?: string; remain_quota?: number; unlimited_quota?: boolean; expired_time?: number; model_limits_enabled?: boolean
  model_limits?: string; allow_ips?: string | null; group?: string; cross_group_retry?: boolean
  rpm_limit?: number | null; tpm_limit?: number | null; concurrency_limit?: number | null
}

/** Validate and translate API fields to columns. Throws a 400 naming the field. */
function tokenChanges(dependencies: Pick<ApiDependencies, 'caches'>, user: UserRow, input: TokenInput): Partial<NewToken> {
  const changes: Partial<NewToken> = limitChanges(input)
  const options = dependencies.caches.options
  if (input.name !== undefined) changes.name = input.name.trim()
  if (input.remain_quota !== undefined) {
    if (input.remain_quota > 1e9 * options.quotaPerUnit) throw badRequest('remain_quota is larger than the allowed maximum')
    changes.remainQuota = input.remain_quota
  }
  if (input.unlimited_quota !== undefined) changes.unlimitedQuota = input.unlimited_quota
  if (input.expired_time !== undefined) changes.expiredTime = input.expired_time === 0 ? -1 : input.expired_time
  if (input.model_limits_enabled !== undefined) changes.modelLimitsEnabled = input.model_limits_enabled
  if (input.model_limits !== undefined) changes.modelLimits = splitList(input.model_limits).join(',')
  if (input.allow_ips !== undefined) {
    const text = input.allow_ips ?? ''
    try { parseAllowList(text) } catch (error) { throw badRequest(`allow_ips: ${(error as Error).message}`) }
    changes.allowIps = splitAllowList(text).join('\n')
  }
  if (input.group !== undefined) {
    if (input.group !== '' && input.group !== 'auto' && !usableGroups(dependencies, user)[input.group]) {
      throw badRequest(`group "${input.group}" is not a group you may use`)
    }
    changes.group = input.group
  }
  if (input.cross_group_retry !== undefined) changes.crossGroupRetry = input.cross_group_retry
  return changes
}

/** Create a token with a fresh key; returns the row and the plaintext key. */
export async function createTokenForUser(dependencies: Pick<ApiDependencies, 'store' | 'caches' | 'secretBox'>, user: UserRow, input: TokenInput) {
  const { store, caches, secretBox } = dependencies
  if (await store.tokens.countForUser(user.id) >= caches.options.maxUserTokens) {
    throw badRequest(`You already have the maximum number of tokens (${caches.options.maxUserTokens})`, 'too_many_tokens')
  }
  const key = generateTokenKey()
  const row = await store.tokens.create({
    userId: user.id, keyHash: secretBox.hash(key), keyCiphertext: secretBox.seal(key), keyMask: maskKey(key),
    ...tokenChanges(dependencies, user, input),
  })
  await caches.invalidate({ kind: 'tokens', id: row.id })
  return { row, key }
}

export function tokenRoutes(dependencies: ApiDependencies) {
  const { store, caches, secretBox } = dependencies
  const owned = async (id: number, user: UserRow) => {
    const token = await store.tokens.get(id, user.id)
    if (!token) throw notFound(`Token ${id} does not exist`)
    return token
  }
  const now = () => Math.floor(Date.now() / 1000)
  const checkEnable = (token: TokenRow) => {
    if (token.expiredTime !== -1 && token.expiredTime <= now()) throw badRequest('The token has expired and cannot be enabled; change its expiry first')
    if (!token.unlimitedQuota && token.remainQuota <= 0) throw badRequest('The token\'s quota is used up and it cannot be enabled; raise its quota or make it unlimited first')
  }
  const pageResult = (result: { items: TokenRow[]; total: number }, page: { page: number; pageSize: number }) =>
    ok({ items: result.items.map(tokenJson), total: result.total, page: page.page, page_size: page.pageSize })

  return new Elysia({ name: 'tollgate.tokens', prefix: '/api/token' })
    .use(authPlugin(dependencies))
    .get('/', async ({ user, query }) => {
      const page = readPage(query)
      return pageResult(await store.tokens.list(user.id, page), page)
    }, { role: ROLE_USER, query: t.Object(PageQuery), response: envelope(pageOf(TokenSchema)), detail: { tags: ['Tokens'], summary: 'List own tokens (keys masked)' } })
    .get('/search', async ({ user, query }) => {
      const page = readPage(query)
      const key = query.token?.replace(/^sk-/, '')
      return pageResult(await store.tokens.list(user.id, page, { keyword: query.keyword, keyHash: key ? secretBox.hash(key) : undefined }), page)
    }, {
      role: ROLE_USER, query: t.Object({ ...PageQuery, keyword: t.Optional(t.String()), token: t.Optional(t.String()) }),
      response: envelope(pageOf(TokenSchema)), detail: { tags: ['Tokens'], summary: 'Search own tokens by name (exact, or LIKE with %) or by full key' },
    })
    .get('/:id', async ({ user, params }) => ok(tokenJson(await owned(params.id, user))), {
      role: ROLE_USER, params: t.Object({ id: t.Numeric() }), response: envelope(TokenSchema), detail: { tags: ['Tokens'], summary: 'Get one own token (key masked)' },
    })
    .post('/:id/key', async ({ user, params }) => ok({ key: secretBox.open((await owned(params.id, user)).keyCiphertext) }), {
      role: ROLE_USER, params: t.Object({ id: t.Numeric() }), response: envelope(t.Object({ key: t.String() })), detail: { tags: ['Tokens'], summary: 'Read the full key (without sk-)' },
    })
    .post('/batch/keys', async ({ user, body }) => {
      const keys: Record<string, string> = {}
      for (const id of body.ids) {
        const token = await store.tokens.get(id, user.id)
        if (token) keys[String(id)] = secretBox.open(token.keyCiphertext)
      }
      return ok({ keys })
    }, {
      role: ROLE_USER, body: t.Object({ ids: t.Array(t.Integer(), { minItems: 1, maxItems: 100 }) }),
      response: envelope(t.Object({ keys: t.Record(t.String(), t.String()) })), detail: { tags: ['Tokens'], summary: 'Read several full keys' },
    })
    .post('/', async ({ user, body }) => {
      const { row } = await createTokenForUser(dependencies, user, body)
      return ok(tokenJson(row))
    }, {
      role: ROLE_USER, body: t.Object(TokenFields, { additionalProperties: true }), response: envelope(TokenSchema),
      detail: { tags: ['Tokens'], summary: 'Create a token; the key is read through POST /api/token/:id/key' },
    })
    .put('/', async ({ user, body, query }) => {
      const token = await owned(body.id, user)
      let changes: Partial<NewToken>
      if (query.status_only === 'true') {
        if (body.status === undefined) throw badRequest('status is required with status_only')
        changes = { status: body.status }
      } else {
        changes = tokenChanges(dependencies, user, body)
        if (body.status !== undefined) changes.status = body.status
      }
      const next = { ...token, ...changes } as TokenRow
      if (changes.status === 1) checkEnable(next)
      const updated = await store.tokens.update(token.id, user.id, changes)
      if (changes.remainQuota !== undefined) dependencies.onQuotaChanged?.('token', token.id, Number(updated!.remainQuota) - Number(token.remainQuota))
      await caches.invalidate({ kind: 'tokens', id: token.id })
      return ok(tokenJson(updated!))
    }, {
      role: ROLE_USER,
      query: t.Object({ status_only: t.Optional(t.String()) }),
      body: t.Object({ id: t.Integer(), status: OptionalEnum([1, 2, 3, 4]), ...TokenFields }, { additionalProperties: true }),
      response: envelope(TokenSchema),
      detail: { tags: ['Tokens'], summary: 'Update an own token; ?status_only=true changes only status' },
    })
    .delete('/:id', async ({ user, params }) => {
      const deleted = await store.tokens.delete([params.id], user.id)
      if (deleted.length === 0) throw notFound(`Token ${params.id} does not exist`)
      await caches.invalidate({ kind: 'tokens', id: params.id })
      return ok()
    }, { role: ROLE_USER, params: t.Object({ id: t.Numeric() }), response: emptyEnvelope, detail: { tags: ['Tokens'], summary: 'Delete an own token' } })
    .post('/batch', async ({ user, body }) => {
      const deleted = await store.tokens.delete(body.ids, user.id)
      await Promise.all(deleted.map((id) => caches.invalidate({ kind: 'tokens', id })))
      return ok(deleted.length)
    }, {
      role: ROLE_USER, body: t.Object({ ids: t.Array(t.Integer(), { minItems: 1, maxItems: 1000 }) }), response: envelope(t.Integer()),
      detail: { tags: ['Tokens'], summary: 'Delete several own tokens' },
    })
}
