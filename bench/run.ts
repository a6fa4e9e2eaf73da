/**
 * `bun run bench` — Tollgate against the mock upstream called directly and through a bare Bun proxy, in one run.
 *
 *   bun run bench                     every scenario, full durations (~12 minutes)
 *   bun run bench --quick             every scenario, short durations (~3 minutes)
 *   bun run bench --scenario 2,3      some scenarios (RESULTS.md is only rewritten by a run of all of them)
 *   bun run bench --scenario 9        10 MB transcription uploads (only when named)
 *   bun run bench --scenario 10       realtime sessions: memory per idle session, added latency per frame (only when named)
 *   bun run bench --scenario 11       the task poller: 10 000 unfinished Midjourney tasks on 5 channels
 *   bun run bench --scenario 12       cache-aware routing: cached share of prompt tokens, routing off and on
 *   bun run bench --peer portkey      adds Portkey's gateway (installed under bench/peers/, run with Node)
 *   bun run bench --cluster           adds a Tollgate column started with CLUSTER=auto
 *   CLUSTER=auto bun run bench        the Tollgate column itself runs with CLUSTER=auto
 *   bun run bench --scenario 5 --conversion-variant worker:SOME_SWITCH=worker
 *                                     scenario 5 gets an extra Tollgate column (id tollgate-worker) started with
 *                                     that environment: how inline and worker stream conversion are compared
 *   bun run bench --tollgate-env BUN_CONFIG_MAX_HTTP_REQUESTS=8192
 *                                     extra environment for every Tollgate the bench starts
 *   bun run bench --profile           Tollgate runs under `bun --cpu-prof`; the profile (and a Markdown
 *                                     summary) lands in bench/results/profile-<date>/ when it stops
 *
 * Scenario 8 needs DATABASE_URL or TEST_DATABASE_URL (it creates and drops its own database there).
 * Everything listens on 127.0.0.1; every child process is stopped on exit.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { cpus, release, totalmem } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import Redis from 'ioredis'
import { stopAllChildren } from './processes.ts'
import { evaluateGoals, renderResultsMarkdown, renderTerminalTable, scenarioGrid } from './report.ts'
import type { Machine, RunResult, ScenarioResult } from './report.ts'
import {
  fullTiming, quickTiming, scenarioAudioUploads, scenarioConcurrency, scenarioConversion, scenarioLargePromptsWithoutUsage, scenarioMemory,
  scenarioSingleConnection, scenarioSlowStreams, scenarioStreaming, scenarioUsageRows,
} from './scenarios.ts'
import { scenarioRealtime } from './realtime-scenario.ts'
import { scenarioCacheAffinity } from './cache-affinity-scenario.ts'
import type { ScenarioContext } from './scenarios.ts'
import { scenarioTaskPoller } from './task-poller.ts'
import { bareProxyTarget, benchDirectory, directTarget, startMockProcess, startPortkey, startTollgate } from './targets.ts'
import type { Target } from './targets.ts'

const { values } = parseArgs({
  args: Bun.argv.slice(2),
  options: {
    scenario: { type: 'string', multiple: true },
    quick: { type: 'boolean', default: false },
    peer: { type: 'string', multiple: true },
    cluster: { type: 'boolean', default: false },
    profile: { type: 'boolean', default: false },
    'conversion-variant': { type: 'string', multiple: true },
    'tollgate-env': { type: 'string', multiple: true },
    help: { type: 'boolean', default: false },
  },
})
if (values.help) {
  console.log('usage: bun run bench [--quick] [--scenario N[,M...]] [--peer portkey] [--cluster] [--profile] [--conversion-variant NAME:ENV=VALUE[,ENV=VALUE]] [--tollgate-env ENV=VALUE]')
  process.exit(0)
}

const allScenarios = [1, 2, 3, 4, 5, 6, 7, 8, 11, 12]
/** Run only when asked for (`--scenario 9`, `--scenario 10`): 10 MB uploads and realtime sessions are different workloads from the chat figures. */
const optionalScenarios = [9, 10]
const selected = values.scenario
  ? [...new Set(values.scenario.flatMap((entry) => entry.split(',')).map((entry) => Number(entry.trim())))].sort((left, right) => left - right)
  : allScenarios
const unknownScenario = selected.find((id) => !allScenarios.includes(id) && !optionalScenarios.includes(id))
if (unknownScenario !== undefined) {
  console.error(`unknown scenario ${unknownScenario}; scenarios are 1-12 (9 and 10 only when named)`)
  process.exit(2)
}
const peers = values.peer ?? []
for (const peer of peers) {
  if (peer !== 'portkey') {
    console.error(`unknown peer "${peer}"; supported: portkey`)
    process.exit(2)
  }
}
/** `worker:A=1,B=2` → an extra Tollgate for scenario 5 with id tollgate-worker and that environment. */
const conversionVariants = (values['conversion-variant'] ?? []).map((spec) => {
  const [name, assignments = ''] = spec.split(/:(.*)/s)
  const env: Record<string, string> = {}
  for (const assignment of assignments.split(',').filter(Boolean)) {
    const [variable, value = ''] = assignment.split(/=(.*)/s)
    if (!variable) continue
    env[variable] = value
  }
  if (!name || Object.keys(env).length === 0) {
    console.error(`--conversion-variant "${spec}": expected NAME:ENV=VALUE[,ENV=VALUE]`)
    process.exit(2)
  }
  return { id: `tollgate-${name}`, label: `tollgate (${assignments})`, env }
})
const extraTollgateEnvironment: Record<string, string> = {}
for (const assignment of values['tollgate-env'] ?? []) {
  const [variable, value = ''] = assignment.split(/=(.*)/s)
  if (!variable) {
    console.error(`--tollgate-env "${assignment}": expected ENV=VALUE`)
    process.exit(2)
  }
  extraTollgateEnvironment[variable] = value
}
/**
 * A cluster needs Redis to pass admin changes between its processes. A test server's Redis is shared with
 * other suites, so the bench takes database 11 of it.
 */
const clusterRedisUrl = process.env.REDIS_URL ?? (process.env.TEST_REDIS_URL ? `${process.env.TEST_REDIS_URL.replace(/\/\d*$/, '')}/11` : undefined)
const timing = values.quick ? quickTiming : fullTiming
const clusterFromEnvironment = process.env.CLUSTER && !['0', '1', ''].includes(process.env.CLUSTER) ? process.env.CLUSTER : undefined

const startedAt = new Date()
const clock = performance.now()
const progress = (line: string) => console.log(`${((performance.now() - clock) / 1000).toFixed(0).padStart(4)}s  ${line}`)

function machineInfo(): Machine {
  const node = Bun.spawnSync(['node', '--version'])
  return {
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown CPU',
    cores: cpus().length,
    memoryGigabytes: totalmem() / 1e9,
    bunVersion: Bun.version,
    nodeVersion: node.success ? node.stdout.toString().trim().replace(/^v/, '') : 'not installed',
    kernel: release(),
  }
}

const targets: Target[] = []
const unavailable: { id: string; reason: string }[] = []
let stopping = false
async function stopEverything() {
  if (stopping) return
  stopping = true
  for (const target of targets) await target.stop().catch(() => undefined)
  await stopAllChildren()
}
process.on('SIGINT', () => {
  console.log('\ninterrupted: stopping every child process')
  void stopEverything().then(() => process.exit(130))
})

/** The main Tollgate always uses its own SQLite DATA_DIR, whatever DATABASE_URL the bench itself was given. */
const sqliteOnly = { DATABASE_URL: undefined, SQL_DSN: undefined, ...extraTollgateEnvironment }

const scenarios: ScenarioResult[] = []
try {
  progress(`bench: scenarios ${selected.join(', ')}${values.quick ? ' (quick)' : ''}; starting the mock upstream and the bare proxy`)
  const mock = await startMockProcess()
  targets.push(await directTarget(mock), await bareProxyTarget(mock))

  const tollgateColumns: { id: string; label: string; cluster: string }[] = clusterFromEnvironment
    ? [{ id: 'tollgate-cluster', label: `tollgate (CLUSTER=${clusterFromEnvironment})`, cluster: clusterFromEnvironment }]
    : [{ id: 'tollgate', label: 'tollgate', cluster: '0' }, ...(values.cluster ? [{ id: 'tollgate-cluster', label: 'tollgate (CLUSTER=auto)', cluster: 'auto' }] : [])]
  const profileDirectory = join(benchDirectory, 'results', `profile-${startedAt.toISOString().slice(0, 19).replace(/:/g, '-')}`)
  const bunFlags = values.profile ? ['--cpu-prof', '--cpu-prof-md', `--cpu-prof-dir=${profileDirectory}`] : []
  for (const column of tollgateColumns) {
    progress(`${column.label}: starting bun src/index.ts with a temporary DATA_DIR${values.profile ? ` under --cpu-prof (${profileDirectory})` : ''}`)
    const redis = column.cluster !== '0' && clusterRedisUrl ? { REDIS_URL: clusterRedisUrl } : {}
    if (column.cluster !== '0' && clusterRedisUrl && !process.env.REDIS_URL) {
      // Database 11 is the bench's own: quota counters left by an earlier run (keyed by user and token id) would
      // otherwise be read as this fresh gateway's.
      const client = new Redis(clusterRedisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 })
      await client.connect().then(() => client.flushdb()).catch((error: Error) => progress(`could not clear ${clusterRedisUrl}: ${error.message}`))
      client.disconnect()
    }
    if (column.cluster !== '0') progress(`${column.label}: ${clusterRedisUrl ? `REDIS_URL=${clusterRedisUrl}` : 'no REDIS_URL / TEST_REDIS_URL: processes share admin changes only through their periodic resync'}`)
    const started = await startTollgate({ id: column.id, label: column.label, mockUrl: mock.url, env: { ...sqliteOnly, ...redis, CLUSTER: column.cluster }, bunFlags, log: progress })
    if (started instanceof Error) {
      unavailable.push({ id: column.id, reason: started.message })
      progress(`${column.label}: NOT MEASURED — ${started.message.split('\n')[0]}`)
      console.log(started.message.split('\n').slice(1).join('\n'))
    } else {
      targets.push(started)
    }
  }
  for (const peer of peers) {
    progress(`${peer}: starting`)
    const started = await startPortkey(mock.url, progress)
    if (started instanceof Error) {
      unavailable.push({ id: peer, reason: started.message })
      progress(`${peer}: NOT MEASURED — ${started.message.split('\n')[0]}`)
    } else {
      targets.push(started)
    }
  }
  for (const target of targets) progress(`${target.id}: idle RSS ${target.idleRssMegabytes.toFixed(1)} MB (pid ${target.pid})`)

  const context: ScenarioContext = {
    timing,
    mock,
    targets,
    progress,
    // Inline vs worker conversion: each --conversion-variant is one more Tollgate, started for scenario 5 only.
    conversionVariants: async () => {
      const started: Target[] = []
      const notes: string[] = []
      for (const variant of conversionVariants) {
        const gateway = await startTollgate({ id: variant.id, label: variant.label, mockUrl: mock.url, env: { ...sqliteOnly, CLUSTER: '0', ...variant.env }, log: progress })
        if (gateway instanceof Error) notes.push(`${variant.id} not measured: ${gateway.message.split('\n')[0]}`)
        else started.push(gateway)
      }
      if (conversionVariants.length === 0 && targets.some((target) => target.id.startsWith('tollgate'))) {
        notes.push('Only Tollgate\'s default conversion path was measured; compare inline and worker with --conversion-variant NAME:ENV=VALUE.')
      }
      return { targets: started, notes }
    },
    startTollgateOnPostgres: (databaseUrl) => startTollgate({
      id: 'tollgate', label: 'tollgate (postgres)', mockUrl: mock.url, env: { ...extraTollgateEnvironment, DATABASE_URL: databaseUrl, SQL_DSN: undefined, CLUSTER: '0' }, log: progress,
    }),
  }

  const runners: Record<number, () => Promise<ScenarioResult>> = {
    1: () => scenarioSingleConnection(context),
    2: () => scenarioConcurrency(context),
    3: () => scenarioStreaming(context),
    4: () => scenarioLargePromptsWithoutUsage(context),
    5: () => scenarioConversion(context),
    6: () => scenarioSlowStreams(context),
    7: () => scenarioMemory(context),
    8: () => scenarioUsageRows(context, process.env.DATABASE_URL ?? process.env.SQL_DSN ?? process.env.TEST_DATABASE_URL),
    9: () => scenarioAudioUploads(context),
    10: () => scenarioRealtime(context),
    11: () => scenarioTaskPoller(context),
    12: () => scenarioCacheAffinity(context),
  }
  const order = targets.map((target) => target.id)
  for (const id of selected) {
    progress(`scenario ${id}: running`)
    let result: ScenarioResult
    try {
      result = await runners[id]!()
    } catch (error) {
      // One broken scenario must not cost the figures of the others.
      result = { id, title: `scenario ${id}`, rows: [], notes: [], skipped: `failed: ${(error as Error).stack ?? String(error)}` }
    }
    scenarios.push(result)
    console.log(`\n${result.id}. ${result.title}`)
    console.log(result.skipped ? `   skipped: ${result.skipped}` : renderTerminalTable(scenarioGrid(result, order)))
    for (const note of result.notes) console.log(`   - ${note}`)
    console.log('')
  }
} finally {
  await stopEverything()
}

const result: RunResult = {
  startedAt: startedAt.toISOString(),
  finishedAt: new Date().toISOString(),
  command: `bun run bench ${Bun.argv.slice(2).join(' ')}`.trim() + (clusterFromEnvironment ? ` (CLUSTER=${clusterFromEnvironment})` : ''),
  quick: values.quick,
  machine: machineInfo(),
  targets: targets.map((target) => ({ id: target.id, label: target.label, idleRssMegabytes: target.idleRssMegabytes })),
  unavailable,
  scenarios,
  goals: evaluateGoals(scenarios),
}

console.log('Goals (issue 5):')
for (const goal of result.goals) console.log(`  [${goal.status === 'met' ? 'met' : goal.status === 'missed' ? 'MISSED' : ' -- '}] ${goal.goal}: ${goal.measured}`)
for (const missing of unavailable) console.log(`  ${missing.id} not measured: ${missing.reason.split('\n')[0]}`)

const resultsDirectory = join(benchDirectory, 'results')
mkdirSync(resultsDirectory, { recursive: true })
const resultFile = join(resultsDirectory, `${startedAt.toISOString().slice(0, 19).replace(/:/g, '-')}.json`)
writeFileSync(resultFile, `${JSON.stringify(result, null, 2)}\n`)
console.log(`\nwrote ${resultFile}`)
if (allScenarios.every((id) => selected.includes(id))) {
  writeFileSync(join(benchDirectory, 'RESULTS.md'), renderResultsMarkdown(result))
  console.log(`wrote ${join(benchDirectory, 'RESULTS.md')}`)
} else {
  console.log('RESULTS.md left as it was (only a run of every scenario rewrites it)')
}
