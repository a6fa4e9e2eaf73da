import { and, asc, count, desc, eq, inArray, like, ne, or, sql, type AnyColumn, type SQL } from 'drizzle-orm'
import type { Database, NewChannel, Page } from '../types.ts'
import { nothingToSet, now, offset, paged } from './shared.ts'

export interface ChannelFilter { keyword?: string; group?: string; model?: string; status?: 'enabled' | 'disabled'; type?: number; tag?: string }
export type ChannelSortColumn = 'id' | 'name' | 'priority' | 'balance' | 'response_time' | 'test_time'
export interface ChannelSort { by?: ChannelSortColumn; order?: 'asc' | 'desc'; idSort?: boolean }

export type ChannelsStore = ReturnType<typeof createChannelsStore>

export function createChannelsStore(database: Database) {
  const { db, tables } = database
  const { channelsTable } = tables

  const sortColumns = {
    id: channelsTable.id, name: channelsTable.name, priority: channelsTable.priority, balance: channelsTable.balance,
    response_time: channelsTable.responseTime, test_time: channelsTable.testTime,
  } satisfies Record<ChannelSortColumn, AnyColumn>

  function channelWhere(filter: ChannelFilter) {
    const conditions: SQL[] = []
    if (filter.keyword) {
      const keyword = filter.keyword
      const options: SQL[] = [like(channelsTable.name, `%${keyword}%`), like(channelsTable.baseUrl, `%${keyword}%`)]
      if (/^\d+$/.test(keyword)) options.push(eq(channelsTable.id, Number(keyword)))
      conditions.push(or(...options)!)
    }
    // `group` is a comma-separated list: match whole names only ("vip" must not match "vip2").
    if (filter.group) conditions.push(like(sql`',' || ${channelsTable.group} || ','`, `%,${filter.group},%`))
    if (filter.model) conditions.push(like(channelsTable.models, `%${filter.model}%`))
    if (filter.status === 'enabled') conditions.push(eq(channelsTable.status, 1))
    if (filter.status === 'disabled') conditions.push(ne(channelsTable.status, 1))
    if (filter.type !== undefined) conditions.push(eq(channelsTable.type, filter.type))
    if (filter.tag !== undefined) conditions.push(eq(channelsTable.tag, filter.tag))
    return conditions.length ? and(...conditions) : undefined
  }

  return {
    /** All rows or none: a batch added from the console should not land half-way. */
    createMany: (rows: NewChannel[]) => database.transaction(async (tx) =>
      tx.insert(channelsTable).values(rows.map((row) => ({ createdTime: now(), ...row }))).returning()),
    get: async (id: number) => (await db.select().from(channelsTable).where(eq(channelsTable.id, id)))[0],
    list(filter: ChannelFilter, page: Page, sort: ChannelSort = {}) {
      const where = channelWhere(filter)
      const column = sortColumns[sort.idSort ? 'id' : (sort.by ?? 'priority')]
      const order = (sort.order ?? 'desc') === 'asc' ? asc(column) : desc(column)
      return paged(
        db.select().from(channelsTable).where(where).orderBy(order, desc(channelsTable.id)).limit(page.pageSize).offset(offset(page)),
        db.select({ value: count() }).from(channelsTable).where(where),
      )
    },
    typeCounts: async (filter: ChannelFilter = {}) => {
      const rows = await db.select({ type: channelsTable.type, value: count() }).from(channelsTable).where(channelWhere(filter)).groupBy(channelsTable.type)
      return Object.fromEntries(rows.map((row) => [String(row.type), Number(row.value)]))
    },
    update: (id: number, changes: Partial<NewChannel>) => database.write(async () => nothingToSet(changes)
      ? (await db.select().from(channelsTable).where(eq(channelsTable.id, id)))[0]
      : (await db.update(channelsTable).set(changes).where(eq(channelsTable.id, id)).returning())[0]),
    /** Returns how many channels changed (those already in `status` do not count). */
    setStatus: (ids: number[], status: number) => database.write(async () =>
      (await db.update(channelsTable).set({ status }).where(and(inArray(channelsTable.id, ids), ne(channelsTable.status, status))).returning({ id: channelsTable.id })).length),
    /** Id and type of the channels carrying `tag` (an empty tag is no tag). */
    byTag: (tag: string) => db.select({ id: channelsTable.id, type: channelsTable.type }).from(channelsTable).where(eq(channelsTable.tag, tag)),
    /** The same changes on several channels; returns how many rows matched. */
    updateMany: (ids: number[], changes: Partial<NewChannel>) => database.write(async () => ids.length === 0 || nothingToSet(changes)
      ? 0
      : (await db.update(channelsTable).set(changes).where(inArray(channelsTable.id, ids)).returning({ id: channelsTable.id })).length),
    delete: (ids: number[]) => database.write(async () =>
      (await db.delete(channelsTable).where(inArray(channelsTable.id, ids)).returning({ id: channelsTable.id })).length),
    deleteDisabled: () => database.write(async () =>
      (await db.delete(channelsTable).where(ne(channelsTable.status, 1)).returning({ id: channelsTable.id })).length),
    all: () => db.select().from(channelsTable),
  }
}
