/**
 * The eight scenarios of issue 5. Each one sets the mock upstream up, runs the same load against every
 * target in turn, and returns rows keyed by target id. Scenarios are measurements, not tests.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { silentWav } from '../src/testing/wav.ts'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import postgres from 'postgres'
import { runLoad } from './load.ts'
import type { LoadRequest, LoadResult } from './load.ts'
import { spawnAnnouncingServer, treeRssMegabytes } from './processes.ts'
import type { Row, ScenarioResult, Unit } from './report.ts'
import { measureStreams } from './stream-client.ts'
import type { ConcurrentStreamsResult } from './stream-client.ts'
import { anthropicBenchModel, benchDirectory, benchModel } from './targets.ts'
import type { MockProcess, Target, TollgateTarget } from './targets.ts'

export interface Timing {
  loadSeconds: number
  warmupSeconds: number
  streamSamples: number
  streamWarmup: number
  soakSeconds: number
  concurrentStreams: number
  slowStreamChunks: number
  slowStreamIntervalMs: number
  postgresLoadSeconds: number
  writerSeconds: number
}

export const fullTiming: Timing = {
  loadSeconds: 10, warmupSeconds: 2, streamSamples: 500, streamWarmup: 50, soakSeconds: 60,
  concurrentStreams: 2000, slowStreamChunks: 40, slowStreamIntervalMs: 250, postgresLoadSeconds: 15, writerSeconds: 10,
}

export const quickTiming: Timing = {
  loadSeconds: 3, warmupSeconds: 1, streamSamples: 100, streamWarmup: 10, soakSeconds: 10,
  concurrentStreams: 2000, slowStreamChunks: 40, slowStreamIntervalMs: 100, postgresLoadSeconds: 5, writerSeconds: 3,
}

export interface ScenarioContext {
  timing: Timing
  mock: MockProcess
  /** Every target, in column order. */
  targets: Target[]
  /** Extra Tollgate instances for scenario 5 (inline vs worker): each gets its own column there. */
  conversionVariants: () => Promise<{ targets: Target[]; notes: string[] }>
  /** Starts a Tollgate on a given DATABASE_URL for scenario 8. */
  startTollgateOnPostgres: (databaseUrl: string) => Promise<TollgateTarget | Error>
  progress: (line: string) => void
}

const instantUpstream = { latencyMs: 0, jitterMs: 0, responseBytes: 200, chunkCount: 8, chunkIntervalMs: 0, omitUsage: false, failureRate: 0, replay: undefined }

const chatBody = (extra: Record<string, unknown> = {}) => JSON.stringify({
  model: benchModel,
  messages: [{ role: 'system', content: 'You are a helpful assistant.' }, { role: 'user', content: 'Say hello in one sentence.' }],
  max_tokens: 256,
  ...extra,
})
const streamExtra = { stream: true, stream_options: { include_usage: true } }

/** Deterministic English-like text of a given size: a real tokenizer workload, not one repeated character. */
export function promptText(bytes: number): string {
  const words = ['gateway', 'latency', 'the', 'stream', 'of', 'tokens', 'billing', 'quota', 'and', 'channel', 'upstream',
    'model', 'request', 'response', 'a', 'to', 'is', 'counted', 'Bun', 'worker', 'cache', 'retry', 'priority', 'weight',
    'JSON', 'event', 'chunk', 'usage', 'price', 'ratio', '42', '2026', 'in', 'for', 'with', 'error', 'status', 'key']
  let state = 12345
  const parts: string[] = []
  let length = 0
  while (length < bytes) {
    state = (state * 1103515245 + 12345) % 2147483648
    const word = words[state % words.length]!
    const separator = state % 17 === 0 ? '.\n' : state % 7 === 0 ? ', ' : ' '
    parts.push(word, separator)
    length += word.length + separator.length
  }
  return parts.join('').slice(0, bytes)
}

export const row = (key: string, metric: string, unit: Unit, values: Record<string, number | null>, ratios = true): Row => ({ key, metric, unit, values, ratios })

export function valuesOf<T>(targets: Target[], results: Map<string, T>, pick: (result: T) => number | null): Record<string, number | null> {
  const values: Record<string, number | null> = {}
  for (const target of targets) {
    const result = results.get(target.id)
    values[target.id] = result === undefined ? null : pick(result)
  }
  return values
}

const failures = (result: LoadResult) => result.non2xx + result.errors
const cpuPerRequest = (result: LoadResult) => result.cpuMicrosecondsPerRequest

async function loadEach(context: ScenarioContext, tag: string, targets: Target[], build: (target: Target) => LoadRequest, connections: number, seconds = context.timing.loadSeconds) {
  const results = new Map<string, LoadResult>()
  for (const target of targets) {
    const result = await runLoad(build(target), { connections, durationSeconds: seconds, warmupSeconds: context.timing.warmupSeconds, cpuPid: target.pid })
    results.set(target.id, result)
    context.progress(`[${tag}] ${target.id.padEnd(16)} c=${connections}: ${Math.round(result.requestsPerSecond).toLocaleString('en-US')} req/s, mean ${result.latency.mean.toFixed(3)} ms, p99 ${result.latency.p99.toFixed(3)} ms, CPU ${result.cpuMicrosecondsPerRequest?.toFixed(0) ?? '?'} µs/request${failures(result) ? `, ${failures(result)} failed` : ''}`)
  }
  return results
}

function failureNote(results: Map<string, LoadResult>): string[] {
  const notes: string[] = []
  for (const [id, result] of results) {
    if (failures(result) > 0) notes.push(`${id}: ${result.non2xx} non-2xx responses (by status ${JSON.stringify(result.failedStatuses)}) and ${result.errors} errors (${result.timeouts} timeouts) during the run.`)
  }
  return notes
}

export async function scenarioSingleConnection(context: ScenarioContext): Promise<ScenarioResult> {
  await context.mock.setOptions(instantUpstream)
  const results = await loadEach(context, 's1', context.targets, (target) => target.chat(chatBody()), 1)
  return {
    id: 1,
    title: 'Non-stream chat, 1 connection',
    rows: [
      row('s1.mean', 'mean latency', 'ms', valuesOf(context.targets, results, (result) => result.latency.mean)),
      row('s1.p50', 'p50 latency', 'ms', valuesOf(context.targets, results, (result) => result.latency.p50)),
      row('s1.p99', 'p99 latency', 'ms', valuesOf(context.targets, results, (result) => result.latency.p99)),
      row('s1.rps', 'requests/s', 'req/s', valuesOf(context.targets, results, (result) => result.requestsPerSecond)),
      row('s1.cpu', 'server CPU per request', 'µs', valuesOf(context.targets, results, cpuPerRequest)),
      row('s1.failed', 'failed requests', 'count', valuesOf(context.targets, results, failures), false),
    ],
    notes: failureNote(results),
  }
}

export async function scenarioConcurrency(context: ScenarioContext): Promise<ScenarioResult> {
  await context.mock.setOptions(instantUpstream)
  const rows: Row[] = []
  const notes: string[] = []
  for (const connections of [32, 128]) {
    const results = await loadEach(context, 's2', context.targets, (target) => target.chat(chatBody()), connections)
    rows.push(
      row(`s2.c${connections}.rps`, `requests/s at ${connections} connections`, 'req/s', valuesOf(context.targets, results, (result) => result.requestsPerSecond)),
      row(`s2.c${connections}.p99`, `p99 latency at ${connections} connections`, 'ms', valuesOf(context.targets, results, (result) => result.latency.p99)),
      row(`s2.c${connections}.cpu`, `server CPU per request at ${connections} connections`, 'µs', valuesOf(context.targets, results, cpuPerRequest)),
      row(`s2.c${connections}.failed`, `failed requests at ${connections} connections`, 'count', valuesOf(context.targets, results, failures), false),
    )
    notes.push(...failureNote(results))
  }
  return { id: 2, title: 'Non-stream chat, 32 and 128 connections', rows, notes }
}

export async function scenarioStreaming(context: ScenarioContext): Promise<ScenarioResult> {
  await context.mock.setOptions({ ...instantUpstream, chunkCount: 64, responseBytes: 64 * 16 })
  const samples = new Map<string, Awaited<ReturnType<typeof measureStreams>>>()
  const notes: string[] = []
  for (const target of context.targets) {
    const result = await measureStreams(target.chat(chatBody(streamExtra)), { samples: context.timing.streamSamples, warmup: context.timing.streamWarmup, minEvents: 64 })
    samples.set(target.id, result)
    context.progress(`[s3] ${target.id.padEnd(16)} stream: TTFB p50 ${result.firstByte.p50.toFixed(3)} ms, TTLB p50 ${result.lastByte.p50.toFixed(3)} ms (${result.samples} samples${result.failures ? `, ${result.failures} failed: ${result.firstFailure}` : ''})`)
    if (result.failures > 0) notes.push(`${target.id}: ${result.failures} streams failed or came back short (first: ${result.firstFailure}).`)
  }
  const direct = samples.get('direct')
  const loads = await loadEach(context, 's3', context.targets, (target) => target.chat(chatBody(streamExtra)), 32)
  notes.push(...failureNote(loads))
  const added = (pick: 'firstByte' | 'lastByte') => valuesOf(context.targets, samples, (result) => (direct ? result[pick].p50 - direct[pick].p50 : null))
  return {
    id: 3,
    title: 'Streaming chat, 64 chunks',
    rows: [
      row('s3.ttfb-p50', 'time to first byte p50', 'ms', valuesOf(context.targets, samples, (result) => result.firstByte.p50)),
      row('s3.ttlb-p50', 'time to last byte p50', 'ms', valuesOf(context.targets, samples, (result) => result.lastByte.p50)),
      row('s3.ttfb-p99', 'time to first byte p99', 'ms', valuesOf(context.targets, samples, (result) => result.firstByte.p99)),
      row('s3.ttlb-p99', 'time to last byte p99', 'ms', valuesOf(context.targets, samples, (result) => result.lastByte.p99)),
      row('s3.added-ttfb', 'added time to first byte vs direct (p50)', 'ms', added('firstByte'), false),
      row('s3.added-ttlb', 'added time to last byte vs direct (p50)', 'ms', added('lastByte'), false),
      row('s3.c32.rps', 'streams/s at 32 connections', 'req/s', valuesOf(context.targets, loads, (result) => result.requestsPerSecond)),
      row('s3.c32.p99', 'stream p99 at 32 connections', 'ms', valuesOf(context.targets, loads, (result) => result.latency.p99)),
      row('s3.c32.cpu', 'server CPU per stream at 32 connections', 'µs', valuesOf(context.targets, loads, cpuPerRequest)),
    ],
    notes,
  }
}

export async function scenarioLargePromptsWithoutUsage(context: ScenarioContext): Promise<ScenarioResult> {
  await context.mock.setOptions({ ...instantUpstream, omitUsage: true })
  const prompt = promptText(100 * 1024)
  const plain = JSON.stringify({ model: benchModel, messages: [{ role: 'user', content: prompt }], max_tokens: 256 })
  const streamed = JSON.stringify({ model: benchModel, messages: [{ role: 'user', content: prompt }], max_tokens: 256, ...streamExtra })
  const plainResults = await loadEach(context, 's4', context.targets, (target) => target.chat(plain), 8)
  const streamResults = await loadEach(context, 's4', context.targets, (target) => target.chat(streamed), 8)
  const notes = [...failureNote(plainResults), ...failureNote(streamResults)]
  // The point of the scenario is that usage is still billed: read what Tollgate logged for the last requests.
  await Bun.sleep(1500)
  for (const target of context.targets) {
    const management = (target as Partial<TollgateTarget>).management
    if (!management) continue
    try {
      const page = await management.call<{ items?: { prompt_tokens?: number; completion_tokens?: number }[] }>('GET', '/api/log/?p=1&page_size=100')
      const items = page.items ?? []
      const prompts = items.map((item) => item.prompt_tokens ?? 0).sort((left, right) => left - right)
      const zero = prompts.filter((count) => count === 0).length
      notes.push(items.length === 0
        ? `${target.id}: no usage log row found through GET /api/log/.`
        : `${target.id}: of the last ${items.length} usage log rows, median prompt_tokens=${prompts[Math.floor(prompts.length / 2)]} (the upstream reported none; ~${Math.round(prompt.length / 4)} expected), ${zero} with prompt_tokens=0${zero > 0 ? ' (requests cut when the load generator stopped are logged with what was delivered)' : ''}.`)
    } catch (error) {
      notes.push(`${target.id}: could not read usage logs through GET /api/log/ (${(error as Error).message.split('\n')[0]}).`)
    }
  }
  return {
    id: 4,
    title: '100 KB prompts, upstream reports no usage',
    rows: [
      row('s4.plain.rps', 'non-stream requests/s (8 connections)', 'req/s', valuesOf(context.targets, plainResults, (result) => result.requestsPerSecond)),
      row('s4.plain.p99', 'non-stream p99', 'ms', valuesOf(context.targets, plainResults, (result) => result.latency.p99)),
      row('s4.stream.rps', 'streams/s (8 connections)', 'req/s', valuesOf(context.targets, streamResults, (result) => result.requestsPerSecond)),
      row('s4.stream.p99', 'stream p99', 'ms', valuesOf(context.targets, streamResults, (result) => result.latency.p99)),
      row('s4.plain.cpu', 'server CPU per non-stream request', 'µs', valuesOf(context.targets, plainResults, cpuPerRequest)),
      row('s4.stream.cpu', 'server CPU per stream', 'µs', valuesOf(context.targets, streamResults, cpuPerRequest)),
      row('s4.failed', 'failed requests', 'count', Object.fromEntries(context.targets.map((target) => [target.id, failures(plainResults.get(target.id)!) + failures(streamResults.get(target.id)!)])), false),
    ],
    notes,
  }
}

export async function scenarioConversion(context: ScenarioContext): Promise<ScenarioResult> {
  await context.mock.setOptions({ ...instantUpstream, chunkCount: 64, responseBytes: 64 * 16 })
  const variants = await context.conversionVariants()
  const targets = [...context.targets, ...variants.targets]
  const messages = [{ role: 'user', content: 'Tell me a short story.' }]
  const openaiBody = JSON.stringify({ model: anthropicBenchModel, messages, max_tokens: 1024, ...streamExtra })
  const anthropicBody = JSON.stringify({ model: anthropicBenchModel, messages, max_tokens: 1024, stream: true })
  const notes = [...variants.notes]
  const samples = new Map<string, Awaited<ReturnType<typeof measureStreams>>>()
  try {
    for (const target of targets) {
      const result = await measureStreams(target.chatViaAnthropic(openaiBody, anthropicBody), { samples: context.timing.streamSamples, warmup: context.timing.streamWarmup, minEvents: 64 })
      samples.set(target.id, result)
      context.progress(`[s5] ${target.id.padEnd(16)} conversion stream: TTFB p50 ${result.firstByte.p50.toFixed(3)} ms, TTLB p50 ${result.lastByte.p50.toFixed(3)} ms${result.failures ? `, ${result.failures} failed: ${result.firstFailure}` : ''}`)
      if (result.failures > 0) notes.push(`${target.id}: ${result.failures} streams failed or came back short (first: ${result.firstFailure}).`)
    }
    const loads = await loadEach(context, 's5', targets, (target) => target.chatViaAnthropic(openaiBody, anthropicBody), 32)
    notes.push(...failureNote(loads))
    return {
      id: 5,
      title: 'Streaming conversion: OpenAI client, Anthropic-format upstream',
      rows: [
        row('s5.ttfb-p50', 'time to first byte p50', 'ms', valuesOf(targets, samples, (result) => result.firstByte.p50)),
        row('s5.ttlb-p50', 'time to last byte p50', 'ms', valuesOf(targets, samples, (result) => result.lastByte.p50)),
        row('s5.c32.rps', 'streams/s at 32 connections', 'req/s', valuesOf(targets, loads, (result) => result.requestsPerSecond)),
        row('s5.c32.p99', 'stream p99 at 32 connections', 'ms', valuesOf(targets, loads, (result) => result.latency.p99)),
        row('s5.c32.cpu', 'server CPU per stream at 32 connections', 'µs', valuesOf(targets, loads, cpuPerRequest)),
        row('s5.failed', 'failed requests at 32 connections', 'count', valuesOf(targets, loads, failures), false),
      ],
      notes,
    }
  } finally {
    for (const target of variants.targets) await target.stop()
  }
}

/** Runs the concurrent stream client as a child and reads the target's memory while every stream is open. */
async function holdStreamsAgainst(context: ScenarioContext, target: Target, request: LoadRequest, minEvents: number) {
  const before = treeRssMegabytes(target.pid)
  const client = Bun.spawn(['bun', join(benchDirectory, 'stream-client.ts'), 'concurrent',
    '--url', request.url, '--body', request.body ?? '', '--headers', JSON.stringify(request.headers ?? {}),
    '--streams', String(context.timing.concurrentStreams), '--min-events', String(minEvents), '--expect-done',
    '--open-timeout', '20000', '--total-timeout', String(60_000 + context.timing.slowStreamChunks * context.timing.slowStreamIntervalMs * 3)], {
    env: { ...process.env, BUN_CONFIG_MAX_HTTP_REQUESTS: '8192' },
    stdout: 'pipe',
    stderr: 'pipe',
  })
  let open: number | null = null
  let openCount = 0
  let result: ConcurrentStreamsResult | null = null
  const decoder = new TextDecoder()
  let buffered = ''
  for await (const chunk of client.stdout) {
    buffered += decoder.decode(chunk, { stream: true })
    let newline = buffered.indexOf('\n')
    while (newline >= 0) {
      const line = buffered.slice(0, newline)
      buffered = buffered.slice(newline + 1)
      newline = buffered.indexOf('\n')
      const message = JSON.parse(line) as { event: string; open?: number } & ConcurrentStreamsResult
      if (message.event === 'open') {
        open = treeRssMegabytes(target.pid)
        openCount = message.open ?? 0
      } else if (message.event === 'done') {
        result = message
      }
    }
  }
  await client.exited
  if (!result) throw new Error(`stream client ended without a result: ${(await new Response(client.stderr).text()).slice(-500)}`)
  return { before, open: open ?? Number.NaN, openCount, result }
}

export async function scenarioSlowStreams(context: ScenarioContext): Promise<ScenarioResult> {
  const { concurrentStreams, slowStreamChunks, slowStreamIntervalMs } = context.timing
  await context.mock.setOptions({ ...instantUpstream, chunkCount: slowStreamChunks, chunkIntervalMs: slowStreamIntervalMs, responseBytes: slowStreamChunks * 10 })
  const measured = new Map<string, Awaited<ReturnType<typeof holdStreamsAgainst>>>()
  const notes: string[] = []
  try {
    for (const target of context.targets) {
      // role + content chunks + finish + usage + [DONE]
      const held = await holdStreamsAgainst(context, target, target.chat(chatBody(streamExtra)), slowStreamChunks + 2)
      measured.set(target.id, held)
      const dropped = held.result.incomplete + held.result.failed
      context.progress(`[s6] ${target.id.padEnd(16)} ${held.openCount}/${concurrentStreams} open at once after ${Math.round(held.result.openMs)} ms, RSS ${held.before.toFixed(1)} -> ${held.open.toFixed(1)} MB, ${held.result.completed} completed, ${dropped} dropped`)
      if (held.openCount < concurrentStreams) {
        notes.push(`${target.id}: only ${held.openCount} of ${concurrentStreams} streams were open at once when memory was read (${held.result.endedAtSnapshot} had already ended, the rest had no first byte after ${Math.round(held.result.openMs)} ms): the server queues streams instead of serving them together. Per-stream memory is over the ${held.openCount} open ones.`)
      }
      if (dropped > 0) notes.push(`${target.id}: ${dropped} streams dropped or cut short (first: ${held.result.firstFailure}; statuses ${JSON.stringify(held.result.statuses)}).`)
    }
  } finally {
    await context.mock.setOptions(instantUpstream)
  }
  return {
    id: 6,
    title: `${concurrentStreams.toLocaleString('en-US')} concurrent slow streams`,
    rows: [
      row('s6.rss-before', 'RSS before', 'MB', valuesOf(context.targets, measured, (held) => held.before)),
      row('s6.rss-open', 'RSS with streams open', 'MB', valuesOf(context.targets, measured, (held) => held.open)),
      row('s6.per-stream', 'RSS per open stream', 'KB', valuesOf(context.targets, measured, (held) => (held.openCount > 0 ? ((held.open - held.before) * 1000) / held.openCount : null))),
      row('s6.open', 'streams open at once at the reading', 'count', valuesOf(context.targets, measured, (held) => held.openCount), false),
      row('s6.open-ms', 'time until all streams had a first byte', 'ms', valuesOf(context.targets, measured, (held) => held.result.openMs)),
      row('s6.completed', 'streams completed', 'count', valuesOf(context.targets, measured, (held) => held.result.completed), false),
      row('s6.dropped', 'streams dropped or cut', 'count', valuesOf(context.targets, measured, (held) => held.result.incomplete + held.result.failed), false),
    ],
    notes: [`Each stream: ${slowStreamChunks} content chunks, one every ${slowStreamIntervalMs} ms; the client holds all ${concurrentStreams} open at once.`, ...notes],
  }
}

export async function scenarioMemory(context: ScenarioContext): Promise<ScenarioResult> {
  await context.mock.setOptions(instantUpstream)
  const after = new Map<string, number>()
  const loads = new Map<string, LoadResult>()
  for (const target of context.targets) {
    const result = await runLoad(target.chat(chatBody()), { connections: 32, durationSeconds: context.timing.soakSeconds })
    loads.set(target.id, result)
    after.set(target.id, treeRssMegabytes(target.pid))
    context.progress(`[s7] ${target.id.padEnd(16)} ${context.timing.soakSeconds} s at 32 connections: ${Math.round(result.requestsPerSecond).toLocaleString('en-US')} req/s; RSS idle ${target.idleRssMegabytes.toFixed(1)} MB -> ${after.get(target.id)!.toFixed(1)} MB`)
  }
  const idle: Record<string, number | null> = {}
  for (const target of context.targets) idle[target.id] = target.idleRssMegabytes
  return {
    id: 7,
    title: `Idle RSS, and RSS after ${context.timing.soakSeconds} s of load`,
    rows: [
      row('s7.idle-rss', 'RSS after start (idle)', 'MB', idle),
      row('s7.loaded-rss', `RSS after ${context.timing.soakSeconds} s at 32 connections`, 'MB', valuesOf(context.targets, after, (value) => value)),
      row('s7.rps', 'requests/s during that load', 'req/s', valuesOf(context.targets, loads, (result) => result.requestsPerSecond)),
    ],
    notes: [...failureNote(loads), 'Idle is read 1 s after start-up and set-up (channel, token, options through /api), before the first relay request.'],
  }
}

/**
 * Scenario 8 creates its own database on the server named by DATABASE_URL or TEST_DATABASE_URL and drops it
 * afterwards, so a shared test server is left as it was found.
 */
export async function scenarioUsageRows(context: ScenarioContext, serverUrl: string | undefined): Promise<ScenarioResult> {
  const base = { id: 8, title: 'Usage-log rows per second into Postgres', rows: [] as Row[], notes: [] as string[] }
  if (!serverUrl) return { ...base, skipped: 'needs DATABASE_URL or TEST_DATABASE_URL (a Postgres server where the bench may create and drop a database).' }
  const databaseName = `tollgate_bench_${Date.now()}`
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} })
  const databaseUrl = new URL(serverUrl)
  databaseUrl.pathname = `/${databaseName}`
  try {
    await admin.unsafe(`create database ${databaseName}`)
  } catch (error) {
    await admin.end()
    return { ...base, skipped: `could not create a database on ${new URL(serverUrl).host}: ${(error as Error).message}` }
  }
  const rows: Row[] = []
  const notes: string[] = [`Database ${databaseName} on ${databaseUrl.host}, created for this run and dropped after.`]
  const database = postgres(databaseUrl.toString(), { max: 2, onnotice: () => {} })
  try {
    const gateway = await context.startTollgateOnPostgres(databaseUrl.toString())
    if (gateway instanceof Error) {
      notes.push(`Tollgate on Postgres did not start or set up: ${gateway.message.split('\n')[0]}`)
    } else {
      try {
        await context.mock.setOptions(instantUpstream)
        const countRows = async () => Number((await database`select count(*)::int as count from logs`)[0]!.count)
        // The writer flushes on an interval; wait until the count stops moving (bounded) so the rows of the
        // set-up's smoke request are not counted as rows of this load.
        const settle = async (from: number) => {
          let settled = from
          for (let attempt = 0; attempt < 30; attempt++) {
            await Bun.sleep(500)
            const now = await countRows()
            if (now === settled && attempt > 3) break
            settled = now
          }
          return settled
        }
        const atStart = await settle(await countRows())
        const started = performance.now()
        const load = await runLoad(gateway.chat(chatBody()), { connections: 32, durationSeconds: context.timing.postgresLoadSeconds })
        const atEnd = await countRows()
        const loadSeconds = (performance.now() - started) / 1000
        const landed = (await settle(atEnd)) - atStart
        rows.push(
          row('s8.http-rps', 'relay requests/s (32 connections)', 'req/s', { [gateway.id]: load.requestsPerSecond }, false),
          row('s8.http-rows', 'log rows landed per second during that load', 'rows/s', { [gateway.id]: (atEnd - atStart) / loadSeconds }, false),
          row('s8.landed', 'log rows landed', 'count', { [gateway.id]: landed }, false),
          row('s8.missing', '2xx responses without a log row', 'count', { [gateway.id]: Math.max(0, load.ok - landed) }, false),
        )
        notes.push('Rows landed may exceed the 2xx count by up to the connection count: requests still in flight when the load generator stops complete and are logged, but are not counted as responses.')
        context.progress(`[s8] ${gateway.id} on Postgres: ${Math.round(load.requestsPerSecond)} req/s, ${landed} rows landed for ${load.ok} 2xx responses`)
      } finally {
        await gateway.stop()
      }
    }
    rows.push(row('s8.writer-rows', 'batched usage writer alone, no HTTP', 'rows/s', { tollgate: await measureWriter(databaseUrl.toString(), context) }, false))
  } finally {
    await database.end()
    await admin.unsafe(`select pg_terminate_backend(pid) from pg_stat_activity where datname = '${databaseName}' and pid <> pg_backend_pid()`).catch(() => undefined)
    await admin.unsafe(`drop database if exists ${databaseName}`).catch((error: Error) => notes.push(`could not drop ${databaseName}: ${error.message}`))
    await admin.end()
  }
  return { ...base, rows, notes }
}

/**
 * The batched usage writer's ceiling without HTTP in front: Tollgate's own writer (src/billing/usage-writer.ts) on
 * this database, fed as fast as it commits. The producer keeps a few thousand rows queued, so every flush has
 * work and none is spilled to the journal; the figure is rows recorded / time until the last one committed.
 */
async function measureWriter(databaseUrl: string, context: ScenarioContext): Promise<number | null> {
  const { openPostgres } = await import('../src/db/index.ts')
  const { createStore } = await import('../src/db/store.ts')
  const { createUsageWriter } = await import('../src/billing/usage-writer.ts')
  const database = await openPostgres(databaseUrl, { max: 4 })
  const journalDirectory = mkdtempSync(join(tmpdir(), 'tollgate-bench-journal-'))
  try {
    const writer = createUsageWriter({
      store: createStore(database), intervalMs: 1000, maxRows: 1000, journalPath: join(journalDirectory, 'usage-journal.jsonl'),
      log: (line) => context.progress(`[s8] writer: ${line}`),
    })
    const now = Math.floor(Date.now() / 1000)
    let recorded = 0
    const started = performance.now()
    const deadline = started + context.timing.writerSeconds * 1000
    while (performance.now() < deadline) {
      if (writer.stats().queuedRows >= 5000) {
        await Bun.sleep(1)
        continue
      }
      for (let index = 0; index < 1000; index++) {
        writer.record({
          log: {
            userId: 1, username: 'root', createdAt: now, type: 2, content: '', tokenName: 'bench', tokenId: 1,
            modelName: benchModel, quota: 3, promptTokens: 20 + (index % 7), completionTokens: 50, useTime: 1, isStream: false,
            channelId: 1, group: 'default', ip: '127.0.0.1', requestId: `bench-${recorded}`, upstreamRequestId: '', other: '',
          },
          spent: 3, countRequest: true, tokensUsed: 70,
        })
        recorded++
      }
      // Let the flush started by record() make progress.
      await Bun.sleep(0)
    }
    await writer.stop()
    const stats = writer.stats()
    if (stats.journaledRows > 0 || stats.failures > 0) context.progress(`[s8] writer: ${stats.failures} failed flushes, ${stats.journaledRows} rows journaled`)
    const rowsPerSecond = (recorded - stats.journaledRows) / ((performance.now() - started) / 1000)
    context.progress(`[s8] batched writer alone: ${Math.round(rowsPerSecond).toLocaleString('en-US')} rows/s (${stats.flushes} flushes)`)
    return rowsPerSecond
  } finally {
    await database.close()
    rmSync(journalDirectory, { recursive: true, force: true })
  }
}

/** A WAV of at least `bytes` (silence): a real audio file whose duration the gateway reads and bills. */
const wavOfSize = (bytes: number, sampleRate = 16_000) => silentWav(bytes - 44, sampleRate)

/**
 * Scenario 9 (not in the default run: `--scenario 9`): 10 MB transcription uploads at 8 connections. Two phases per
 * target: memory with the upstream holding each upload for a while (latency), so that 8 uploads are in flight at
 * once, then uploads/s against an instant upstream (compared with direct). Memory: the peak resident memory over the figure
 * before, per upload, should stay under twice the body (the body is held once, the file forwarded from it).
 */
export async function scenarioAudioUploads(context: ScenarioContext): Promise<ScenarioResult> {
  const connections = 8
  const holdMs = 1500
  const form = new FormData()
  form.set('model', benchModel)
  form.set('response_format', 'json')
  form.set('file', new File([wavOfSize(10 * 1024 * 1024) as Uint8Array<ArrayBuffer>], 'speech.wav', { type: 'audio/wav' }))
  const encoded = new Response(form)
  const contentType = encoded.headers.get('content-type')!
  const body = new Uint8Array(await encoded.arrayBuffer())
  const bodyMegabytes = body.length / 1e6
  const seconds = context.timing.loadSeconds
  const results = new Map<string, { rps: number; failed: number; growth: number; perUpload: number }>()
  const notes: string[] = []
  for (const target of context.targets) {
    const chat = target.chat('')
    const url = chat.url.replace('/v1/chat/completions', '/v1/audio/transcriptions')
    const headers = { ...chat.headers, 'content-type': contentType }
    let firstFailure = ''
    let failed = 0
    const upload = async () => {
      try {
        const response = await fetch(url, { method: 'POST', headers, body })
        const text = await response.text()
        if (!response.ok) throw new Error(`${response.status}: ${text.slice(0, 200)}`)
        return true
      } catch (error) {
        failed++
        firstFailure ||= (error as Error).message
        return false
      }
    }
    const uploadsUntil = async (deadline: number) => {
      let ok = 0
      await Promise.all(Array.from({ length: connections }, async () => {
        while (performance.now() < deadline) if (await upload()) ok++
      }))
      return ok
    }
    // Memory first, against the figure after a small warm-up upload (code paths compiled, the audio parser loaded):
    // after a throughput run the allocator keeps pages it freed, which would hide the growth.
    await context.mock.setOptions({ ...instantUpstream, latencyMs: holdMs })
    const warm = new FormData()
    warm.set('model', benchModel)
    warm.set('file', new File([wavOfSize(64 * 1024) as Uint8Array<ArrayBuffer>], 'warm.wav', { type: 'audio/wav' }))
    await fetch(url, { method: 'POST', headers: chat.headers, body: warm }).then((response) => response.text())
    Bun.gc(true)
    await Bun.sleep(1000)
    const before = treeRssMegabytes(target.pid)
    let peak = before
    const sampler = setInterval(() => { peak = Math.max(peak, treeRssMegabytes(target.pid)) }, 50)
    await Promise.all(Array.from({ length: connections }, () => upload()))
    clearInterval(sampler)
    const growth = peak - before

    await context.mock.setOptions(instantUpstream)
    await uploadsUntil(performance.now() + context.timing.warmupSeconds * 1000)
    const started = performance.now()
    const ok = await uploadsUntil(started + seconds * 1000)
    const rps = ok / ((performance.now() - started) / 1000)
    results.set(target.id, { rps, failed, growth, perUpload: growth / connections })
    context.progress(`[s9] ${target.id.padEnd(16)} c=${connections}: ${rps.toFixed(1)} uploads/s; ${connections} held in flight: RSS ${before.toFixed(1)} → peak ${peak.toFixed(1)} MB (+${(growth / connections).toFixed(1)} MB per upload of ${bodyMegabytes.toFixed(1)} MB)${failed ? `, ${failed} failed: ${firstFailure}` : ''}`)
    if (failed > 0) notes.push(`${target.id}: ${failed} uploads failed (first: ${firstFailure}).`)
  }
  await context.mock.setOptions(instantUpstream)
  notes.push(`Body: a ${bodyMegabytes.toFixed(1)} MB multipart form (a 16 kHz WAV of ${((body.length - 44) / 32_000).toFixed(0)} s). Memory: the upstream answers each upload ${holdMs} ms after reading it, so ${connections} are in flight at once; growth is the peak RSS during those ${connections} over the figure after one small warm-up upload and a full GC, per upload divided by ${connections}; measured before the throughput run. For direct the figure is the mock upstream's own (it parses each form into a File).`)
  return {
    id: 9,
    title: `10 MB transcription uploads, ${connections} connections`,
    rows: [
      row('s9.rps', 'uploads/s (instant upstream)', 'req/s', valuesOf(context.targets, results, (result) => result.rps)),
      row('s9.rss-growth', `peak RSS growth, ${connections} uploads in flight`, 'MB', valuesOf(context.targets, results, (result) => result.growth), false),
      row('s9.per-upload', 'RSS growth per in-flight upload', 'MB', valuesOf(context.targets, results, (result) => result.perUpload), false),
      row('s9.per-upload-vs-body', 'RSS growth per in-flight upload ÷ body size (target < 200%)', '%', valuesOf(context.targets, results, (result) => (result.perUpload / bodyMegabytes) * 100), false),
      row('s9.failed', 'failed uploads', 'count', valuesOf(context.targets, results, (result) => result.failed), false),
    ],
    notes,
  }
}
