import { and, asc, desc, eq, lte, sql } from 'drizzle-orm'
import type { Database, Db, NewLog, UserRow } from '../types.ts'
import { now } from './shared.ts'

export type PlanRow = Database['tables']['plansTable']['$inferSelect']
export type NewPlan = Database['tables']['plansTable']['$inferInsert']
export type SubscriptionRow = Database['tables']['subscriptionsTable']['$inferSelect']

/** What one grant step did: the user's quota moved by `delta`; `expired` when the paid time was over. */
export interface GrantStep { subscription: SubscriptionRow; user: UserRow; delta: number; unused: number; expired: boolean }

export type SubscriptionsStore = ReturnType<typeof createSubscriptionsStore>

const DAY = 86_400

export function createSubscriptionsStore(database: Database) {
  const { db, tables } = database
  const { plansTable, subscriptionsTable, usersTable, logsTable } = tables

  const addQuota = async (tx: Db, userId: number, delta: number) =>
    (await tx.update(usersTable).set({ quota: sql`${usersTable.quota} + ${delta}` }).where(eq(usersTable.id, userId)).returning())[0]

  return {
    plans: {
      create: (plan: NewPlan) => database.write(async () => (await db.insert(plansTable).values({ createdTime: now(), ...plan }).returning())[0]!),
      update: (id: number, changes: Partial<NewPlan>) => database.write(async () => (await db.update(plansTable).set(changes).where(eq(plansTable.id, id)).returning())[0]),
      get: async (id: number) => (await db.select().from(plansTable).where(eq(plansTable.id, id)))[0],
      list: (onlyEnabled = false) => db.select().from(plansTable).where(onlyEnabled ? eq(plansTable.status, 1) : undefined).orderBy(asc(plansTable.price), asc(plansTable.id)),
      delete: (id: number) => database.write(async () => (await db.delete(plansTable).where(eq(plansTable.id, id)).returning({ id: plansTable.id })).length > 0),
    },
    forUser: (userId: number) => db.select().from(subscriptionsTable).where(eq(subscriptionsTable.userId, userId)).orderBy(desc(subscriptionsTable.id)),
    all: () => db.select().from(subscriptionsTable).orderBy(desc(subscriptionsTable.id)).limit(500),
    countActive: async (planId: number) => (await db.select({ id: subscriptionsTable.id }).from(subscriptionsTable)
      .where(and(eq(subscriptionsTable.planId, planId), eq(subscriptionsTable.status, 'active')))).length,

    /**
     * A paid plan order, inside the order's completion transaction: extends the user's active subscription of that
     * plan by one period, or starts one and makes its first grant. Answers the quota granted now.
     */
    async activateIn(tx: Db, userId: number, plan: PlanRow, logRow: (user: UserRow, granted: number, subscriptionId: number) => NewLog): Promise<number> {
      const time = now()
      const period = plan.periodDays * DAY
      const [extended] = await tx.update(subscriptionsTable).set({ endTime: sql`${subscriptionsTable.endTime} + ${period}` })
        .where(and(eq(subscriptionsTable.userId, userId), eq(subscriptionsTable.planId, plan.id), eq(subscriptionsTable.status, 'active'))).returning()
      if (extended) return 0
      const [user] = await tx.select().from(usersTable).where(eq(usersTable.id, userId))
      if (!user) throw new Error(`Cannot subscribe user ${userId}: no such user`)
      const grantSeconds = plan.grantEvery === 'day' ? DAY : period
      const grant = Number(plan.quota)
      const [created] = await tx.insert(subscriptionsTable).values({
        userId, planId: plan.id, status: 'active', startTime: time, endTime: time + period, grantQuota: grant, grantSeconds,
        nextGrantTime: time + grantSeconds, currentGrant: grant, usedAtGrant: Number(user.usedQuota), createdTime: time,
      }).returning({ id: subscriptionsTable.id })
      const credited = await addQuota(tx, userId, grant)
      await tx.insert(logsTable).values(logRow(credited!, grant, created!.id))
      return grant
    },

    /** Subscriptions whose grant time has come by `time`. */
    due: (time: number, limit = 200) => db.select({ id: subscriptionsTable.id, nextGrantTime: subscriptionsTable.nextGrantTime }).from(subscriptionsTable)
      .where(and(eq(subscriptionsTable.status, 'active'), lte(subscriptionsTable.nextGrantTime, time))).orderBy(asc(subscriptionsTable.nextGrantTime)).limit(limit),

    /**
     * The grant at `expected` (the subscription's next grant time): the unused part of the last grant is taken
     * back and, while the subscription is paid for, a new grant is given; past the end it expires. Exactly one of
     * any number of nodes doing this at once wins (conditional update on the grant time); the others get undefined.
     */
    grantStep: (id: number, expected: number, logRows: (step: Omit<GrantStep, 'user'> & { user: UserRow }) => NewLog[]) => database.transaction(async (tx): Promise<GrantStep | undefined> => {
      const [claimed] = await tx.update(subscriptionsTable).set({ nextGrantTime: sql`${subscriptionsTable.nextGrantTime} + ${subscriptionsTable.grantSeconds}` })
        .where(and(eq(subscriptionsTable.id, id), eq(subscriptionsTable.nextGrantTime, expected), eq(subscriptionsTable.status, 'active'))).returning()
      if (!claimed) return undefined
      const [before] = await tx.select().from(usersTable).where(eq(usersTable.id, claimed.userId))
      if (!before) {
        await tx.update(subscriptionsTable).set({ status: 'expired' }).where(eq(subscriptionsTable.id, id))
        return undefined
      }
      // Spending since the last grant came out of that grant first; what is left of it does not carry over.
      const spent = Number(before.usedQuota) - Number(claimed.usedAtGrant)
      const unused = Math.max(0, Number(claimed.currentGrant) - Math.max(0, spent))
      const expired = expected >= Number(claimed.endTime)
      const grant = expired ? 0 : Number(claimed.grantQuota)
      const [subscription] = await tx.update(subscriptionsTable)
        .set(expired ? { status: 'expired', currentGrant: 0 } : { currentGrant: grant, usedAtGrant: Number(before.usedQuota) })
        .where(eq(subscriptionsTable.id, id)).returning()
      const delta = grant - unused
      const user = delta === 0 ? before : (await addQuota(tx, claimed.userId, delta))!
      const step = { subscription: subscription!, user, delta, unused, expired }
      const rows = logRows(step)
      if (rows.length) await tx.insert(logsTable).values(rows)
      return step
    }),
  }
}
