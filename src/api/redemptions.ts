import { Elysia, t } from 'elysia'
import { randomBytes } from 'node:crypto'
import type { NewRedemption, RedeemFailure, RedemptionRow } from '../db/store.ts'
import { RedemptionStatus } from '../db/store.ts'
import { badRequest, notFound } from '../errors.ts'
import { createTopUps } from '../billing/top-up.ts'
import { authPlugin, emptyEnvelope, envelope, ok, pageOf, PageQuery, readPage, ROLE_ADMIN, ROLE_USER, type ApiDependencies } from './context.ts'

export const RedemptionSchema = t.Object({
  id: t.Integer(), user_id: t.Integer(), key: t.String(), status: t.Integer(), name: t.String(), quota: t.Number(), created_time: t.Number(),
  redeemed_time: t.Number(), used_user_id: t.Integer(), expired_time: t.Number(),
})

export const redemptionJson = (row: RedemptionRow) => ({
  id: row.id, user_id: row.userId, key: row.key, status: row.status, name: row.name, quota: Number(row.quota), created_time: Number(row.createdTime),
  redeemed_time: Number(row.redeemedTime), used_user_id: row.usedUserId, expired_time: Number(row.expiredTime),
})

/** 32 hex characters from the CSPRNG (new-api: a UUID without dashes). */
export const newRedemptionKey = () => randomBytes(16).toString('hex')

/** A code as typed: spaces, line breaks and case do not matter; anything else that is not 32 hex is unknown. */
export function normaliseRedemptionKey(input: string): string | undefined {
  const key = input.replace(/\s+/g, '').toLowerCase()
  return /^[0-9a-f]{32}$/.test(key) ? key : undefined
}

const failureMessages: Record<RedeemFailure, string> = {
  not_found: 'Unknown redemption code',
  used: 'This redemption code has already been used',
  disabled: 'This redemption code is disabled',
  expired: 'This redemption code has expired',
}

const Name = t.String({ minLength: 1, maxLength: 20, error: 'name must be 1-20 characters' })
const Quota = t.Integer({ minimum: 1, maximum: 1e15, error: 'quota must be a whole number of quota units ≥ 1' })
const ExpiredTime = t.Integer({ minimum: 0, error: 'expired_time must be unix seconds, or 0 for never' })

const nowSeconds = () => Math.floor(Date.now() / 1000)
const checkExpiry = (expiredTime: number | undefined) => {
  if (expiredTime && expiredTime <= nowSeconds()) throw badRequest('expired_time must be in the future (or 0 for never)')
}

/** Redemption codes: admin management (`/api/redemption`) and redeeming one (`POST /api/user/topup`). */
export function redemptionRoutes(dependencies: ApiDependencies) {
  const { store } = dependencies
  const topUps = createTopUps(dependencies)
  const pageJson = (result: { items: RedemptionRow[]; total: number }, page: { page: number; pageSize: number }) =>
    ok({ items: result.items.map(redemptionJson), total: result.total, page: page.page, page_size: page.pageSize })

  const admin = new Elysia({ name: 'tollgate.redemptions', prefix: '/api/redemption' })
    .use(authPlugin(dependencies))
    .get('/', async ({ query }) => {
      const page = readPage(query)
      return pageJson(await store.redemptions.list({}, page), page)
    }, { role: ROLE_ADMIN, query: t.Object(PageQuery), response: envelope(pageOf(RedemptionSchema)), detail: { tags: ['Redemptions'], summary: 'List redemption codes, newest first' } })
    .get('/search', async ({ query }) => {
      const page = readPage(query)
      return pageJson(await store.redemptions.list({ keyword: query.keyword?.trim() || undefined, status: query.status || undefined }, page), page)
    }, {
      role: ROLE_ADMIN, query: t.Object({ ...PageQuery, keyword: t.Optional(t.String({ maxLength: 64 })), status: t.Optional(t.Numeric()) }),
      response: envelope(pageOf(RedemptionSchema)), detail: { tags: ['Redemptions'], summary: 'Search codes by id or name prefix, and status' },
    })
    .get('/:id', async ({ params }) => {
      const row = await store.redemptions.get(params.id)
      if (!row) throw notFound(`Redemption code ${params.id} does not exist`)
      return ok(redemptionJson(row))
    }, { role: ROLE_ADMIN, params: t.Object({ id: t.Numeric() }), response: envelope(RedemptionSchema), detail: { tags: ['Redemptions'], summary: 'Get one code' } })
    .post('/', async ({ body, user }) => {
      checkExpiry(body.expired_time)
      const rows: NewRedemption[] = Array.from({ length: body.count }, () => ({
        key: newRedemptionKey(), name: body.name.trim(), quota: body.quota, expiredTime: body.expired_time ?? 0, userId: user.id,
      }))
      const created = await store.redemptions.createMany(rows)
      return ok(created.map((row) => row.key))
    }, {
      role: ROLE_ADMIN,
      body: t.Object({ name: Name, count: t.Integer({ minimum: 1, maximum: 100, error: 'count must be 1-100' }), quota: Quota, expired_time: t.Optional(ExpiredTime) }),
      response: envelope(t.Array(t.String())),
      detail: { tags: ['Redemptions'], summary: 'Create a batch of 1-100 codes; answers their keys (export them now)' },
    })
    .put('/', async ({ body, query }) => {
      const row = await store.redemptions.get(body.id)
      if (!row) throw notFound(`Redemption code ${body.id} does not exist`)
      const changes: Partial<NewRedemption> = {}
      if (query.status_only === 'true') {
        if (body.status !== RedemptionStatus.unused && body.status !== RedemptionStatus.disabled) throw badRequest('status must be 1 (enabled) or 2 (disabled)')
        if (row.status === RedemptionStatus.used) throw badRequest('A used code cannot change status')
        changes.status = body.status
      } else {
        if (body.name !== undefined) changes.name = body.name.trim()
        if (body.quota !== undefined) changes.quota = body.quota
        if (body.expired_time !== undefined) {
          checkExpiry(body.expired_time)
          changes.expiredTime = body.expired_time
        }
      }
      // A used code keeps what it was redeemed for.
      if (row.status === RedemptionStatus.used && (changes.quota !== undefined || changes.expiredTime !== undefined)) throw badRequest('A used code can only be renamed')
      const updated = Object.keys(changes).length ? await store.redemptions.update(body.id, changes) : row
      return ok(redemptionJson(updated!))
    }, {
      role: ROLE_ADMIN,
      query: t.Object({ status_only: t.Optional(t.String()) }),
      body: t.Object({ id: t.Integer(), name: t.Optional(Name), quota: t.Optional(Quota), expired_time: t.Optional(ExpiredTime), status: t.Optional(t.Integer()) }, { additionalProperties: true }),
      response: envelope(RedemptionSchema),
      detail: { tags: ['Redemptions'], summary: 'Edit name, quota, expiry; or with ?status_only=true enable/disable' },
    })
    .delete('/invalid', async () => ok(await store.redemptions.deleteInvalid()), {
      role: ROLE_ADMIN, response: envelope(t.Integer()), detail: { tags: ['Redemptions'], summary: 'Delete used, disabled and expired codes; answers how many' },
    })
    .delete('/:id', async ({ params }) => {
      if (!(await store.redemptions.delete(params.id))) throw notFound(`Redemption code ${params.id} does not exist`)
      return ok()
    }, { role: ROLE_ADMIN, params: t.Object({ id: t.Numeric() }), response: emptyEnvelope, detail: { tags: ['Redemptions'], summary: 'Delete one code' } })

  const redeem = new Elysia({ name: 'tollgate.redeem', prefix: '/api/user' })
    .use(authPlugin(dependencies))
    .post('/topup', async ({ body, user }) => {
      const key = normaliseRedemptionKey(body.key)
      if (!key) throw badRequest(failureMessages.not_found, 'redemption_not_found')
      const result = await topUps.redeem(key, user.id)
      if (!result.redeemed) throw badRequest(failureMessages[result.reason], `redemption_${result.reason}`)
      return ok(result.quota)
    }, {
      role: ROLE_USER,
      body: t.Object({ key: t.String({ maxLength: 200, error: 'key must be a redemption code' }) }),
      response: envelope(t.Number()),
      detail: { tags: ['Redemptions'], summary: 'Redeem a code; answers the quota added' },
    })

  return [admin, redeem]
}
