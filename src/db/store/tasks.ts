import { and, asc, count, desc, eq, getTableColumns, gt, gte, inArray, lte, ne, notInArray, type SQL } from 'drizzle-orm'
import type { Database, NewTask, Page, TaskRow } from '../types.ts'
import { now, offset, paged } from './shared.ts'

/** new-api's task statuses; a task in one of `finishedTaskStatuses` is not polled again. */
export type TaskStatus = 'NOT_START' | 'SUBMITTED' | 'QUEUED' | 'IN_PROGRESS' | 'FAILURE' | 'SUCCESS' | 'UNKNOWN'
export const finishedTaskStatuses: TaskStatus[] = ['SUCCESS', 'FAILURE']

/** Which task of whose: the public task id is unique only per platform, and users see only their own. */
export interface TaskScope { userId?: number; platform?: string }

export interface TaskFilter extends TaskScope {
  channelId?: number
  taskId?: string
  action?: string
  status?: string
  /** Every platform but this one (`/api/task/` lists what is not Midjourney). */
  excludePlatform?: string
  /** Over submit_time, unix seconds. */
  startTimestamp?: number
  endTimestamp?: number
}

export type TasksStore = ReturnType<typeof createTasksStore>

/** A task as the poller reads it: every column but `data`. */
export type PendingTask = Omit<TaskRow, 'data'>

export function createTasksStore(database: Database) {
  const { db, tables } = database
  const { tasksTable } = tables
  const { data: _data, ...pendingColumns } = getTableColumns(tasksTable)

  function scopeConditions(scope: TaskScope): SQL[] {
    const conditions: SQL[] = []
    if (scope.userId !== undefined) conditions.push(eq(tasksTable.userId, scope.userId))
    if (scope.platform !== undefined) conditions.push(eq(tasksTable.platform, scope.platform))
    return conditions
  }

  function taskWhere(filter: TaskFilter) {
    const conditions = scopeConditions(filter)
    if (filter.excludePlatform !== undefined) conditions.push(ne(tasksTable.platform, filter.excludePlatform))
    if (filter.channelId !== undefined) conditions.push(eq(tasksTable.channelId, filter.channelId))
    if (filter.taskId) conditions.push(eq(tasksTable.taskId, filter.taskId))
    if (filter.action) conditions.push(eq(tasksTable.action, filter.action))
    if (filter.status) conditions.push(eq(tasksTable.status, filter.status))
    if (filter.startTimestamp) conditions.push(gte(tasksTable.submitTime, filter.startTimestamp))
    if (filter.endTimestamp) conditions.push(lte(tasksTable.submitTime, filter.endTimestamp))
    return conditions.length ? and(...conditions) : undefined
  }

  return {
    create: (task: NewTask) => database.write(async () =>
      (await db.insert(tasksTable).values({ submitTime: now(), ...task }).returning())[0]!),
    get: async (id: number, userId?: number) =>
      (await db.select().from(tasksTable).where(and(eq(tasksTable.id, id), ...scopeConditions({ userId }))))[0],
    getByTaskId: async (taskId: string, scope: TaskScope = {}) =>
      (await db.select().from(tasksTable).where(and(eq(tasksTable.taskId, taskId), ...scopeConditions(scope))).orderBy(desc(tasksTable.id)).limit(1))[0],
    /** The batch fetch (`POST /suno/fetch`, `/mj/task/list-by-condition`): unknown ids are simply absent. */
    listByTaskIds: async (taskIds: string[], scope: TaskScope = {}) => taskIds.length === 0 ? [] :
      db.select().from(tasksTable).where(and(inArray(tasksTable.taskId, taskIds), ...scopeConditions(scope))).orderBy(asc(tasksTable.id)),
    list(filter: TaskFilter, page: Page) {
      const where = taskWhere(filter)
      return paged(
        db.select().from(tasksTable).where(where).orderBy(desc(tasksTable.id)).limit(page.pageSize).offset(offset(page)),
        db.select({ value: count() }).from(tasksTable).where(where),
      )
    },
    /**
     * Tasks the poller still has to ask about, oldest first; `afterId` pages on (keyset, no offset scan). Without
     * `data` (the upstream payload, the widest column): a poll compares status and progress, and a change rewrites it.
     */
    listUnfinished: (options: { platform?: string; limit?: number; afterId?: number } = {}): Promise<PendingTask[]> =>
      db.select(pendingColumns).from(tasksTable)
        .where(and(notInArray(tasksTable.status, finishedTaskStatuses), ...scopeConditions({ platform: options.platform }), ...(options.afterId ? [gt(tasksTable.id, options.afterId)] : [])))
        .orderBy(asc(tasksTable.id)).limit(options.limit ?? 1000),
    update: (id: number, changes: Partial<NewTask>) => database.write(async () =>
      (await db.update(tasksTable).set(changes).where(eq(tasksTable.id, id)).returning())[0]),
    /**
     * Applies `changes` only while the task is still in one of `from`; undefined otherwise. Two pollers (or two
     * nodes) that both see a task fail must refund it once: the one that gets the row back does the refund.
     */
    updateIfStatus: (id: number, from: string[], changes: Partial<NewTask>) => database.write(async () =>
      (await db.update(tasksTable).set(changes).where(and(eq(tasksTable.id, id), inArray(tasksTable.status, from))).returning())[0]),
    delete: (id: number) => database.write(async () =>
      (await db.delete(tasksTable).where(eq(tasksTable.id, id)).returning({ id: tasksTable.id })).length > 0),
  }
}
