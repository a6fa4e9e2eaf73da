/**
 * Results of one bench run: the shapes written to bench/results/<date>.json, the terminal table, the goals
 * check from issue 5 and the generated bench/RESULTS.md.
 */

export type Unit = 'req/s' | 'ms' | 'µs' | 'MB' | 'KB' | 'rows/s' | 'count' | '%'

export interface Row {
  /** Stable key, used by the goals and by anyone diffing two result files. */
  key: string
  metric: string
  unit: Unit
  /** Keyed by target id (direct, bare, tollgate, portkey, ...); null = not measured for that target. */
  values: Record<string, number | null>
  /** Whether Tollgate/bare and Tollgate/direct mean something (not for counts, differences or percentages). */
  ratios: boolean
}

export interface ScenarioResult {
  id: number
  title: string
  rows: Row[]
  notes: string[]
  skipped?: string
}

export interface Machine {
  cpuModel: string
  cores: number
  memoryGigabytes: number
  bunVersion: string
  nodeVersion: string
  kernel: string
}

export interface GoalResult {
  goal: string
  measured: string
  status: 'met' | 'missed' | 'not measured'
}

export interface RunResult {
  startedAt: string
  finishedAt: string
  command: string
  quick: boolean
  machine: Machine
  targets: { id: string; label: string; idleRssMegabytes: number }[]
  unavailable: { id: string; reason: string }[]
  scenarios: ScenarioResult[]
  goals: GoalResult[]
}

/** The column whose ratios are reported: plain Tollgate, or the cluster column when only that one ran. */
export function primaryTollgateColumn(columns: string[]): string | undefined {
  return columns.find((column) => column === 'tollgate') ?? columns.find((column) => column.startsWith('tollgate'))
}

export function ratio(numerator: number | null | undefined, denominator: number | null | undefined): number | null {
  if (numerator === null || numerator === undefined || denominator === null || denominator === undefined) return null
  if (!Number.isFinite(numerator) || !Number.isFinite(denominator) || denominator === 0) return null
  return numerator / denominator
}

export function formatValue(value: number | null | undefined, unit: Unit): string {
  if (value === null || value === undefined || Number.isNaN(value)) return '—'
  switch (unit) {
    case 'req/s':
    case 'rows/s':
    case 'count':
    case 'µs':
      return Math.round(value).toLocaleString('en-US')
    case 'ms': {
      const magnitude = Math.abs(value)
      if (magnitude < 10) return value.toFixed(3)
      if (magnitude < 1000) return value.toFixed(1)
      return Math.round(value).toLocaleString('en-US')
    }
    case 'MB':
    case 'KB':
      return value.toFixed(1)
    case '%':
      return `${value.toFixed(1)}%`
  }
}

const formatRatio = (value: number | null) => (value === null ? '—' : `${value.toFixed(2)}x`)

/** Columns present in a scenario, in the order the targets were started. */
export function scenarioColumns(scenario: ScenarioResult, targetOrder: string[]): string[] {
  const present = new Set<string>()
  for (const row of scenario.rows) for (const [column, value] of Object.entries(row.values)) if (value !== undefined) present.add(column)
  const ordered = targetOrder.filter((column) => present.has(column))
  return [...ordered, ...[...present].filter((column) => !ordered.includes(column))]
}

/** A scenario as a grid of strings: header row first. Shared by the terminal and the Markdown output. */
export function scenarioGrid(scenario: ScenarioResult, targetOrder: string[]): string[][] {
  const columns = scenarioColumns(scenario, targetOrder)
  const tollgate = primaryTollgateColumn(columns)
  const showRatios = tollgate !== undefined && scenario.rows.some((row) => row.ratios)
  const header = ['metric', ...columns]
  if (showRatios) header.push(`${tollgate}/bare`, `${tollgate}/direct`)
  const grid = [header]
  for (const row of scenario.rows) {
    const cells = [`${row.metric} (${row.unit})`, ...columns.map((column) => formatValue(row.values[column], row.unit))]
    if (showRatios) {
      const value = tollgate ? row.values[tollgate] : null
      cells.push(row.ratios ? formatRatio(ratio(value, row.values.bare)) : '', row.ratios ? formatRatio(ratio(value, row.values.direct)) : '')
    }
    grid.push(cells)
  }
  return grid
}

export function renderTerminalTable(grid: string[][]): string {
  const widths = grid[0]!.map((_, column) => Math.max(...grid.map((row) => (row[column] ?? '').length)))
  const line = (row: string[]) => row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join('  ')
  const [header, ...body] = grid
  return [line(header!), widths.map((width) => '-'.repeat(width)).join('  '), ...body.map(line)].join('\n')
}

export function renderMarkdownTable(grid: string[][]): string {
  const [header, ...body] = grid
  const escape = (cell: string) => cell.replace(/\|/g, '\\|')
  return [
    `| ${header!.map(escape).join(' | ')} |`,
    `|${header!.map((_, column) => (column === 0 ? '---' : '---:')).join('|')}|`,
    ...body.map((row) => `| ${row.map(escape).join(' | ')} |`),
  ].join('\n')
}

function findRow(scenarios: ScenarioResult[], key: string): Row | undefined {
  for (const scenario of scenarios) for (const row of scenario.rows) if (row.key === key) return row
  return undefined
}

/** The bar from issue 5, checked against whatever this run measured. */
export function evaluateGoals(scenarios: ScenarioResult[]): GoalResult[] {
  const goals: GoalResult[] = []
  const tollgateOf = (row: Row | undefined) => (row ? row.values[primaryTollgateColumn(Object.keys(row.values)) ?? ''] ?? null : null)
  const compare = (goal: string, value: number | null, describe: (value: number) => string, passes: (value: number) => boolean) => {
    goals.push(value === null || Number.isNaN(value)
      ? { goal, measured: '—', status: 'not measured' }
      : { goal, measured: describe(value), status: passes(value) ? 'met' : 'missed' })
  }
  const rps32 = findRow(scenarios, 's2.c32.rps')
  compare('32 connections, instant upstream: >= 90% of the bare proxy req/s', ratio(tollgateOf(rps32), rps32?.values.bare), (value) => `${(value * 100).toFixed(1)}% of bare`, (value) => value >= 0.9)
  compare('32 connections: >= 15x Portkey req/s', ratio(tollgateOf(rps32), rps32?.values.portkey), (value) => `${value.toFixed(2)}x Portkey`, (value) => value >= 15)
  const mean1 = findRow(scenarios, 's1.mean')
  compare('1 connection: mean latency within 1.15x of the bare proxy', ratio(tollgateOf(mean1), mean1?.values.bare), (value) => `${value.toFixed(2)}x bare`, (value) => value <= 1.15)
  compare('streaming: added time to first byte < 1 ms', tollgateOf(findRow(scenarios, 's3.added-ttfb')), (value) => `${value.toFixed(3)} ms`, (value) => value < 1)
  compare('idle RSS < 80 MB', tollgateOf(findRow(scenarios, 's7.idle-rss')), (value) => `${value.toFixed(1)} MB`, (value) => value < 80)
  // Memory per stream only counts when the gateway really held every stream open at once.
  const openAtOnce = tollgateOf(findRow(scenarios, 's6.open'))
  const streamsAsked = (tollgateOf(findRow(scenarios, 's6.completed')) ?? 0) + (tollgateOf(findRow(scenarios, 's6.dropped')) ?? 0)
  const allOpen = openAtOnce !== null && openAtOnce >= streamsAsked
  compare('< 40 KB RSS per open stream', tollgateOf(findRow(scenarios, 's6.per-stream')),
    (value) => `${value.toFixed(1)} KB${allOpen ? '' : ` (but only ${openAtOnce} of ${streamsAsked} streams were open at once)`}`,
    (value) => value < 40 && allOpen)
  compare('>= 20 000 usage rows/s into Postgres (batched writer)', tollgateOf(findRow(scenarios, 's8.writer-rows')), (value) => `${Math.round(value).toLocaleString('en-US')} rows/s`, (value) => value >= 20_000)
  return goals
}

const figureMeanings = `
- **Columns.** \`direct\`: the load generator calls the mock upstream itself (no gateway). \`bare\`: a 30-line
  Bun.serve + fetch pass-through (bench/bare-proxy.ts), the floor for any gateway on Bun. \`tollgate\`: the gateway
  (\`bun src/index.ts\`, SQLite in a temp DATA_DIR, configured through /api). \`portkey\`: @portkey-ai/gateway 1.15.2
  on Node (only with \`--peer portkey\`). \`tollgate-cluster\`: Tollgate with CLUSTER=auto. Ratio columns divide the
  Tollgate figure by the bare / direct figure of the same run: for req/s higher is better, for ms and MB lower is.
- **req/s**: 2xx responses per second under autocannon's closed loop (each connection sends its next request when
  the previous answer is complete). Failed requests are counted separately and never in req/s.
- **latency (ms)**: time from sending a request to the end of its response, per response (autocannon's hrtime,
  sub-millisecond), 2xx only; p50/p99 by nearest rank.
- **TTFB / TTLB (ms)**: sequential streaming requests from a fetch client (bench/stream-client.ts): time to the
  first body byte and to the end of the stream; "added" = the target's p50 minus direct's p50.
- **RSS (MB)**: VmRSS from /proc/<pid>/status, summed over the process and its children (cluster workers),
  10^6 bytes. "per open stream" = (RSS with every stream open − RSS just before) / streams.
- **server CPU per request (µs)**: user + system CPU time of the target's process tree (/proc/<pid>/stat) during
  the measured run, divided by the responses. For direct it is the mock's own cost, for bare the proxy's alone,
  for Tollgate the gateway's alone. Other processes on the machine do not inflate it, so it is the steadiest
  overhead figure on a shared box.
- **rows/s**: usage-log rows that reached the Postgres \`logs\` table per second.
- All processes (load generator, mock, proxy, gateway, peer) share this machine's cores, so absolute figures are
  lower than on a dedicated box; the ratios measured in one run are what to compare.
`

const scenarioMeanings: Record<number, string> = {
  1: 'Non-stream chat completion, 1 connection, instant upstream, ~200 B answer: per-request overhead.',
  2: 'Non-stream chat, 32 and 128 connections, instant upstream: throughput and tail latency under load.',
  3: 'Streaming chat, 64 content chunks: added time to first and last byte (sequential samples), and streams/s at 32 connections.',
  4: '100 KB prompts, upstream sends no usage: the gateway must count tokens itself (worker pool), 8 connections.',
  5: 'OpenAI client, Anthropic-format upstream (stream, 64 chunks): format conversion cost. direct/bare carry the native Anthropic stream.',
  6: '2 000 concurrent slow streams (40 chunks, paced): memory per open stream and whether every stream completed.',
  7: 'RSS right after start and set-up (idle), and after a sustained load at 32 connections.',
  8: 'Usage-log rows per second into Postgres: end to end during HTTP load, and the batched writer alone.',
}

export function renderResultsMarkdown(result: RunResult): string {
  const order = result.targets.map((target) => target.id)
  const lines = [
    '# Bench results',
    '',
    `Generated by \`bun run bench\` (bench/run.ts); this file is rewritten by every run. Raw figures: bench/results/.`,
    '',
    `- Run: ${result.startedAt} → ${result.finishedAt}, \`${result.command}\`${result.quick ? ' (quick: short durations, fewer samples)' : ''}`,
    `- Machine: ${result.machine.cpuModel}, ${result.machine.cores} cores, ${result.machine.memoryGigabytes.toFixed(1)} GB RAM, Linux ${result.machine.kernel}; Bun ${result.machine.bunVersion}, Node ${result.machine.nodeVersion}`,
    `- Targets: ${result.targets.map((target) => `${target.id} = ${target.label}`).join('; ')}`,
  ]
  for (const missing of result.unavailable) lines.push(`- **${missing.id} not measured**: ${missing.reason.split('\n')[0]}`)
  lines.push('', '## Goals (issue 5)', '', '| goal | measured | status |', '|---|---|---|')
  for (const goal of result.goals) lines.push(`| ${goal.goal} | ${goal.measured} | ${goal.status} |`)
  for (const scenario of result.scenarios) {
    lines.push('', `## ${scenario.id}. ${scenario.title}`, '', scenarioMeanings[scenario.id] ?? '', '')
    if (scenario.skipped) {
      lines.push(`Skipped: ${scenario.skipped}`)
      continue
    }
    lines.push(renderMarkdownTable(scenarioGrid(scenario, order)))
    if (scenario.notes.length > 0) lines.push('', ...scenario.notes.map((note) => `- ${note}`))
  }
  lines.push('', '## What the figures mean', figureMeanings)
  return lines.join('\n')
}
