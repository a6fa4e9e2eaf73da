/**
 * Scenario 10, the asynchronous-task poller's cost: 10 000 unfinished Midjourney tasks on 5 channels in the
 * embedded SQLite database, a proxy in its own process answering every poll. Measured in the gateway's process:
 * CPU and wall time of one polling round (100 list-by-condition calls of 100 ids, every task unchanged), a round
 * that records 100 status changes, and the time from a change at the proxy to the stored status, by the next round
 * and by the notify hook.
 */
import { spawnAnnouncingServer } from './processes.ts'
import type { Row, ScenarioResult } from './report.ts'
import type { ScenarioContext } from './scenarios.ts'
import { benchDirectory } from './targets.ts'

const TASKS = 10_000
const CHANNELS = 5
const ROUNDS = 5

const row = (key: string, metric: string, unit: Row['unit'], value: number | null): Row => ({ key, metric, unit, values: { tollgate: value }, ratios: false })
const median = (values: number[]) => [...values].sort((left, right) => left - right)[Math.floor(values.length / 2)]!

export async function scenarioTaskPoller(context: ScenarioContext): Promise<ScenarioResult> {
  const base = { id: 11, title: `Task poller: ${TASKS.toLocaleString('en')} unfinished Midjourney tasks on ${CHANNELS} channels`, rows: [] as Row[], notes: [] as string[] }
  const { startTestServer } = await import('../src/testing/server.ts')
  const { tasksTable } = await import('../src/db/schema/sqlite.ts')
  const proxy = await spawnAnnouncingServer('mock-task-proxy', ['bun', `${benchDirectory}mock-task-proxy.ts`])
  // UPDATE_TASK off: the rounds are driven by hand, one at a time, so each is measured alone.
  const server = await startTestServer({ UPDATE_TASK: 'false', LOG_FLUSH_INTERVAL_MS: '100' })
  try {
    const root = await server.signIn()
    const channelIds: number[] = []
    for (let index = 0; index < CHANNELS; index++) {
      const created = await root.call('POST', '/api/channel/', { mode: 'single', channel: { type: 2, name: `proxy ${index}`, key: `mj-${index}`, base_url: proxy.url, models: 'mj_imagine', group: 'default' } })
      channelIds.push(created.body.data[0].id)
    }
    const now = Math.floor(Date.now() / 1000)
    const rows = Array.from({ length: TASKS }, (_, index) => ({
      taskId: String(1_700_000_000_000 + index), platform: 'mj', userId: 1, channelId: channelIds[index % CHANNELS]!, quota: 50_000, action: 'IMAGINE',
      status: 'IN_PROGRESS', progress: '53%', submitTime: now, startTime: now,
      properties: JSON.stringify({ prompt: 'a lighthouse at dusk', upstream_task_id: String(1_700_000_000_000 + index), billing: { user_id: 1, username: 'root', token_id: 1, token_name: 'bench', group: 'default', model_name: 'mj_imagine' } }),
      data: JSON.stringify({ id: String(1_700_000_000_000 + index), status: 'IN_PROGRESS', progress: '53%' }),
    }))
    for (let start = 0; start < rows.length; start += 500) {
      const chunk = rows.slice(start, start + 500)
      await server.database.write((db) => (db as any).insert(tasksTable).values(chunk))
    }
    const poller = server.tasks.poller
    // A warm-up round (connections, statements); the measured rounds follow.
    const first = await poller.pollOnce()
    base.notes.push(`Warm-up round: ${first.requests} requests, ${first.changed} tasks changed (the seeded status and progress are the proxy's).`)
    const cpu: number[] = []
    const wall: number[] = []
    let requests = 0
    for (let round = 0; round < ROUNDS; round++) {
      const cpuBefore = process.cpuUsage()
      const started = performance.now()
      const result = await poller.pollOnce()
      wall.push(performance.now() - started)
      const used = process.cpuUsage(cpuBefore)
      cpu.push((used.user + used.system) / 1000)
      requests = result.requests
      if (result.changed !== 0) base.notes.push(`round ${round} changed ${result.changed} tasks (expected none)`)
    }
    base.rows.push(
      row('s11.round-cpu', `CPU per polling round (${TASKS / 1000}k tasks unchanged, median of ${ROUNDS})`, 'ms', median(cpu)),
      row('s11.round-wall', 'wall time per polling round', 'ms', median(wall)),
      row('s11.round-requests', 'upstream requests per round', 'count', requests),
      row('s11.cpu-per-task', 'CPU per task per round', 'µs', (median(cpu) * 1000) / TASKS),
      row('s11.cpu-share', 'share of one core at the default 15 s interval', '%', (median(cpu) / 15_000) * 100),
    )

    // 100 tasks finish at the proxy; the next round records them.
    const finishing = rows.slice(0, 100).map((task) => task.taskId)
    await fetch(`${proxy.url}/bench/finish`, { method: 'POST', body: JSON.stringify({ ids: finishing }) })
    const changeStarted = performance.now()
    const cpuBefore = process.cpuUsage()
    const changedRound = await poller.pollOnce()
    const changeWall = performance.now() - changeStarted
    const changeCpu = process.cpuUsage(cpuBefore)
    const stored = await server.store.tasks.getByTaskId(finishing[99]!, { platform: 'mj' })
    base.rows.push(
      row('s11.change-round-wall', `a round recording ${changedRound.changed} status changes: wall time (= change → stored, right after the change)`, 'ms', stored?.status === 'SUCCESS' ? changeWall : null),
      row('s11.change-round-cpu', 'that round\'s CPU', 'ms', (changeCpu.user + changeCpu.system) / 1000),
    )

    // The notify hook: the proxy calls back the moment a task changes; no round involved.
    await root.call('PUT', '/api/option/', { key: 'ServerAddress', value: server.url })
    const tokenId = (await root.call('POST', '/api/token/', { name: 'bench', unlimited_quota: true })).body.data.id
    const key = (await root.call('POST', `/api/token/${tokenId}/key`)).body.data.key
    const hookTimes: number[] = []
    for (let sample = 0; sample < 20; sample++) {
      const submitted = await (await fetch(`${server.url}/mj/submit/imagine`, { method: 'POST', headers: { authorization: `Bearer sk-${key}`, 'content-type': 'application/json' }, body: JSON.stringify({ prompt: 'hooked' }) })).json() as { result: string }
      const started = performance.now()
      await fetch(`${proxy.url}/bench/finish`, { method: 'POST', body: JSON.stringify({ ids: [submitted.result] }) })
      let reflected: number | null = null
      for (let attempt = 0; attempt < 2000; attempt++) {
        if ((await server.store.tasks.getByTaskId(submitted.result, { platform: 'mj' }))?.status === 'SUCCESS') {
          reflected = performance.now() - started
          break
        }
        await Bun.sleep(1)
      }
      if (reflected !== null) hookTimes.push(reflected)
    }
    base.rows.push(row('s11.notify-reflect', 'change at the proxy → stored status, by the notify hook (median of 20)', 'ms', hookTimes.length ? median(hookTimes) : null))
    base.notes.push(
      `By polling, a change is stored at the next round: on average half of TASK_POLL_INTERVAL_MS (15 s by default) plus the round's wall time above; at most the whole interval plus it.`,
      'CPU is the gateway process\'s (process.cpuUsage around the round); the proxy runs in its own process. SQLite, one node.',
    )
    context.progress(`[s11] round: ${median(cpu).toFixed(1)} ms CPU, ${median(wall).toFixed(1)} ms wall for ${TASKS} tasks; notify reflects in ${hookTimes.length ? median(hookTimes).toFixed(1) : '-'} ms`)
    return base
  } finally {
    await server.dispose()
    await proxy.stop()
  }
}
