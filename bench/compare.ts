/**
 * A/B comparison for a noisy machine: the same load against each variant in turn, round after round
 * (A, B, C, A, B, C…), then the median of each figure. On a shared VM adjacent runs differ by 10-30 %, so one
 * run of `bun run bench` cannot tell a 5 % change from noise; interleaved medians can (bench/FINDINGS.md 7-13).
 *
 *   bun run bench:compare tollgate tollgate:UPSTREAM_CLIENT=fetch
 *   bun run bench:compare bare tollgate --stream --rounds 7
 *   bun run bench:compare tollgate tollgate:CLUSTER=2 --connections 128 --seconds 6
 *
 * Variants: `direct` (the mock), `bare` (the bare proxy), `tollgate[:ENV=VALUE[:ENV=VALUE…]]`.
 * Reported per variant: req/s, CPU per request of the whole process tree, CPU per request of the main thread
 * (where a single Tollgate process saturates first), mean latency, and req/s as a ratio to the first variant
 * measured in the same round.
 */
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { runLoad } from './load.ts'
import { parseCpuTicks, stopAllChildren } from './processes.ts'
import { bareProxyTarget, benchModel, directTarget, startMockProcess, startTollgate, type Target } from './targets.ts'

export interface VariantSpec {
  label: string
  kind: 'direct' | 'bare' | 'tollgate'
  env: Record<string, string>
}

/** `tollgate:UPSTREAM_CLIENT=fetch:CLUSTER=2` → kind tollgate with that environment. */
export function parseVariant(spec: string): VariantSpec {
  const [kind, ...assignments] = spec.split(':')
  if (kind !== 'direct' && kind !== 'bare' && kind !== 'tollgate') throw new Error(`unknown variant "${spec}": expected direct, bare or tollgate[:ENV=VALUE…]`)
  if (kind !== 'tollgate' && assignments.length > 0) throw new Error(`variant "${spec}": only tollgate takes ENV=VALUE settings`)
  const env: Record<string, string> = {}
  for (const assignment of assignments) {
    const equals = assignment.indexOf('=')
    if (equals <= 0) throw new Error(`variant "${spec}": "${assignment}" is not ENV=VALUE`)
    env[assignment.slice(0, equals)] = assignment.slice(equals + 1)
  }
  return { label: spec, kind, env }
}

export function median(values: number[]): number {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  const middle = sorted.length >> 1
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
}

/** CPU seconds of one thread (the main thread of `pid` when `tid` is `pid`). */
function threadCpuSeconds(pid: number, tid = pid): number {
  try {
    return parseCpuTicks(readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8')) / 100
  } catch {
    return 0
  }
}

interface RoundFigures { requestsPerSecond: number; cpu: number; mainThreadCpu: number; latency: number; ratio: number; failed: number }

async function main() {
  const { values, positionals } = parseArgs({
    args: Bun.argv.slice(2),
    allowPositionals: true,
    options: {
      rounds: { type: 'string', default: '5' },
      seconds: { type: 'string', default: '4' },
      connections: { type: 'string', default: '32' },
      stream: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  })
  if (values.help || positionals.length === 0) {
    console.log('usage: bun run bench:compare VARIANT [VARIANT…] [--rounds 5] [--seconds 4] [--connections 32] [--stream]\n  VARIANT: direct | bare | tollgate[:ENV=VALUE…]')
    process.exit(positionals.length === 0 && !values.help ? 2 : 0)
  }
  const specs = positionals.map(parseVariant)
  const rounds = Number(values.rounds)
  const seconds = Number(values.seconds)
  const connections = Number(values.connections)
  const log = (line: string) => console.error(line)

  const mock = await startMockProcess()
  if (values.stream) await mock.setOptions({ chunkCount: 64, chunkIntervalMs: 0 })
  const targets: Target[] = []
  for (const spec of specs) {
    if (spec.kind === 'direct') targets.push(await directTarget(mock))
    else if (spec.kind === 'bare') targets.push(await bareProxyTarget(mock))
    else {
      const started = await startTollgate({ id: spec.label, label: spec.label, mockUrl: mock.url, env: spec.env, log })
      if (started instanceof Error) throw started
      targets.push(started)
    }
  }
  const body = JSON.stringify({ model: benchModel, messages: [{ role: 'user', content: 'Hello there, how are you?' }], ...(values.stream ? { stream: true } : {}) })

  const figures = specs.map((): RoundFigures[] => [])
  for (let round = 1; round <= rounds; round++) {
    let first = 0
    for (const [index, target] of targets.entries()) {
      await runLoad(target.chat(body), { connections, durationSeconds: 1 }) // warm-up, not measured
      const mainBefore = threadCpuSeconds(target.pid)
      const result = await runLoad(target.chat(body), { connections, durationSeconds: seconds, cpuPid: target.pid })
      const responses = result.ok + result.non2xx
      const mainThreadCpu = responses ? ((threadCpuSeconds(target.pid) - mainBefore) * 1e6) / responses : 0
      if (index === 0) first = result.requestsPerSecond
      figures[index]!.push({
        requestsPerSecond: result.requestsPerSecond, cpu: result.cpuMicrosecondsPerRequest ?? 0, mainThreadCpu,
        latency: result.latency.mean, ratio: first ? result.requestsPerSecond / first : 0, failed: result.non2xx + result.errors,
      })
      log(`round ${round}/${rounds} ${target.label}: ${Math.round(result.requestsPerSecond)} req/s, ${(result.cpuMicrosecondsPerRequest ?? 0).toFixed(0)} µs CPU/request`)
    }
  }
  for (const target of targets) await target.stop()
  await stopAllChildren()

  const header = ['variant', 'req/s', 'CPU µs/req', 'main thread µs/req', 'mean ms', `ratio to ${specs[0]!.label}`, 'failed']
  const rows = specs.map((spec, index) => {
    const list = figures[index]!
    const of = (pick: (figure: RoundFigures) => number) => median(list.map(pick))
    return [spec.label, of((f) => f.requestsPerSecond).toFixed(0), of((f) => f.cpu).toFixed(1), of((f) => f.mainThreadCpu).toFixed(1),
      of((f) => f.latency).toFixed(3), of((f) => f.ratio).toFixed(3), String(list.reduce((sum, f) => sum + f.failed, 0))]
  })
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)))
  console.log(`\nmedians of ${rounds} interleaved rounds, ${seconds} s each, ${connections} connections${values.stream ? ', streaming (64 chunks)' : ''}`)
  for (const row of [header, ...rows]) console.log(row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join('  '))
}

if (import.meta.main) {
  main().then(() => process.exit(0), async (error: Error) => {
    console.error(`bench:compare: ${error.message}`)
    await stopAllChildren()
    process.exit(1)
  })
}
