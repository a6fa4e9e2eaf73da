import { expect, test } from 'bun:test'
import { describeOnEachDialect } from './contract-suite.ts'

describeOnEachDialect('tasks store', ({ store }) => {
  const page = { page: 1, pageSize: 10 }

  test('create, get scoped by user, get by task id scoped by platform', async () => {
    const suno = await store().tasks.create({ taskId: 'task_a', platform: 'suno', userId: 1, channelId: 9, action: 'MUSIC', status: 'SUBMITTED', quota: 50 })
    expect(suno.submitTime).toBeGreaterThan(1_700_000_000)
    expect([suno.finishTime, suno.failReason, suno.data]).toEqual([0, '', ''])
    const midjourney = await store().tasks.create({ taskId: 'task_a', platform: 'mj', userId: 2, action: 'IMAGINE', status: 'NOT_START', submitTime: 1_700_000_000 })
    expect(midjourney.submitTime).toBe(1_700_000_000)
    expect((await store().tasks.get(suno.id, 1))?.id).toBe(suno.id)
    expect(await store().tasks.get(suno.id, 2)).toBeUndefined()
    expect((await store().tasks.getByTaskId('task_a', { platform: 'mj' }))?.id).toBe(midjourney.id)
    expect((await store().tasks.getByTaskId('task_a', { userId: 1 }))?.id).toBe(suno.id)
    expect(await store().tasks.getByTaskId('task_a', { userId: 1, platform: 'mj' })).toBeUndefined()
  })

  test('batch fetch by task ids; paged list with filters', async () => {
    await store().tasks.create({ taskId: 'task_b', platform: 'suno', userId: 1, action: 'LYRICS', status: 'SUCCESS', submitTime: 1_700_000_100 })
    expect((await store().tasks.listByTaskIds(['task_a', 'task_b', 'task_missing'], { platform: 'suno' })).map((task) => task.taskId)).toEqual(['task_a', 'task_b'])
    expect(await store().tasks.listByTaskIds([])).toEqual([])
    const taskIds = async (filter: Parameters<ReturnType<typeof store>['tasks']['list']>[0]) =>
      (await store().tasks.list(filter, page)).items.map((task) => `${task.platform}:${task.taskId}`)
    expect(await taskIds({ userId: 1 })).toEqual(['suno:task_b', 'suno:task_a'])
    expect(await taskIds({ platform: 'mj' })).toEqual(['mj:task_a'])
    expect(await taskIds({ excludePlatform: 'mj' })).toEqual(['suno:task_b', 'suno:task_a'])
    expect(await taskIds({ channelId: 9 })).toEqual(['suno:task_a'])
    expect(await taskIds({ taskId: 'task_b', action: 'LYRICS', status: 'SUCCESS' })).toEqual(['suno:task_b'])
    expect(await taskIds({ startTimestamp: 1_700_000_050, endTimestamp: 1_700_000_200 })).toEqual(['suno:task_b'])
    expect((await store().tasks.list({}, { page: 2, pageSize: 2 })).items).toHaveLength(1)
  })

  test('listUnfinished leaves out SUCCESS and FAILURE, oldest first', async () => {
    expect((await store().tasks.listUnfinished()).map((task) => `${task.platform}:${task.taskId}`)).toEqual(['suno:task_a', 'mj:task_a'])
    expect((await store().tasks.listUnfinished({ platform: 'mj', limit: 5 })).map((task) => task.taskId)).toEqual(['task_a'])
    expect(await store().tasks.listUnfinished({ limit: 1 })).toHaveLength(1)
    // The poller never reads the payload column: a page of 1000 tasks stays small.
    expect(Object.keys((await store().tasks.listUnfinished({ limit: 1 }))[0]!)).not.toContain('data')
  })

  test('update and updateIfStatus, which changes a task only from the given statuses', async () => {
    const task = (await store().tasks.getByTaskId('task_a', { platform: 'suno' }))!
    expect((await store().tasks.update(task.id, { status: 'IN_PROGRESS', progress: '50%' }))?.progress).toBe('50%')
    expect(await store().tasks.updateIfStatus(task.id, ['SUBMITTED'], { status: 'FAILURE' })).toBeUndefined()
    const failed = await store().tasks.updateIfStatus(task.id, ['SUBMITTED', 'IN_PROGRESS'], { status: 'FAILURE', failReason: 'upstream said no', finishTime: 1_700_000_900 })
    expect([failed?.status, failed?.failReason]).toEqual(['FAILURE', 'upstream said no'])
    expect(await store().tasks.update(999_999, { status: 'SUCCESS' })).toBeUndefined()
  })

  test('20 concurrent pollers finishing one task: exactly one makes the change', async () => {
    const task = await store().tasks.create({ taskId: 'task_race', platform: 'suno', status: 'IN_PROGRESS' })
    const results = await Promise.all(Array.from({ length: 20 }, (_, index) =>
      store().tasks.updateIfStatus(task.id, ['IN_PROGRESS'], { status: 'FAILURE', failReason: `poller ${index}` })))
    expect(results.filter((row) => row !== undefined)).toHaveLength(1)
  })

  test('delete', async () => {
    const task = await store().tasks.create({ taskId: 'task_gone', platform: 'suno' })
    expect(await store().tasks.delete(task.id)).toBe(true)
    expect(await store().tasks.delete(task.id)).toBe(false)
  })
})
