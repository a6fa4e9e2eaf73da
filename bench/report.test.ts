import { expect, test } from 'bun:test'
import { evaluateGoals, formatValue, primaryTollgateColumn, ratio, renderMarkdownTable, renderResultsMarkdown, renderTerminalTable, scenarioGrid } from './report.ts'
import type { RunResult, ScenarioResult } from './report.ts'

const scenario: ScenarioResult = {
  id: 2,
  title: 'Non-stream chat, 32 and 128 connections',
  rows: [
    { key: 's2.c32.rps', metric: 'requests/s at 32 connections', unit: 'req/s', values: { direct: 20000, bare: 10000, tollgate: 9500, portkey: 500 }, ratios: true },
    { key: 's2.c32.failed', metric: 'failed', unit: 'count', values: { direct: 0, bare: 0, tollgate: 3, portkey: 0 }, ratios: false },
  ],
  notes: [],
}

test('ratios are Tollgate over bare and over direct; counts get none', () => {
  const grid = scenarioGrid(scenario, ['direct', 'bare', 'tollgate', 'portkey'])
  expect(grid[0]).toEqual(['metric', 'direct', 'bare', 'tollgate', 'portkey', 'tollgate/bare', 'tollgate/direct'])
  expect(grid[1]).toEqual(['requests/s at 32 connections (req/s)', '20,000', '10,000', '9,500', '500', '0.95x', '0.47x'])
  expect(grid[2]!.slice(-2)).toEqual(['', ''])
})

test('a run without Tollgate shows no ratio columns', () => {
  const withoutTollgate: ScenarioResult = { ...scenario, rows: scenario.rows.map((row) => ({ ...row, values: { direct: row.values.direct!, bare: row.values.bare! } })) }
  expect(scenarioGrid(withoutTollgate, ['direct', 'bare'])[0]).toEqual(['metric', 'direct', 'bare'])
})

test('goals: met, missed and not measured', () => {
  const goals = evaluateGoals([scenario, {
    id: 7, title: 'memory', notes: [],
    rows: [{ key: 's7.idle-rss', metric: 'idle', unit: 'MB', values: { direct: 30, bare: 32, tollgate: 95 }, ratios: true }],
  }])
  const byGoal = Object.fromEntries(goals.map((goal) => [goal.goal, goal]))
  expect(byGoal['32 connections, instant upstream: >= 90% of the bare proxy req/s']).toMatchObject({ status: 'met', measured: '95.0% of bare' })
  expect(byGoal['32 connections: >= 15x Portkey req/s']).toMatchObject({ status: 'met', measured: '19.00x Portkey' })
  expect(byGoal['idle RSS < 80 MB']).toMatchObject({ status: 'missed', measured: '95.0 MB' })
  expect(byGoal['< 40 KB RSS per open stream']!.status).toBe('not measured')
})

test('the cluster column counts as Tollgate when it is the only one', () => {
  expect(primaryTollgateColumn(['direct', 'bare', 'tollgate-cluster'])).toBe('tollgate-cluster')
  expect(primaryTollgateColumn(['direct', 'bare', 'tollgate-cluster', 'tollgate'])).toBe('tollgate')
  expect(primaryTollgateColumn(['direct', 'bare'])).toBeUndefined()
})

test('formatting and safe ratios', () => {
  expect(formatValue(0.12345, 'ms')).toBe('0.123')
  expect(formatValue(123.45, 'ms')).toBe('123.5')
  expect(formatValue(null, 'ms')).toBe('—')
  expect(formatValue(12345.6, 'req/s')).toBe('12,346')
  expect(ratio(1, 0)).toBeNull()
  expect(ratio(null, 2)).toBeNull()
  expect(ratio(3, 2)).toBe(1.5)
})

test('terminal and Markdown tables line up and escape pipes', () => {
  const grid = [['metric', 'a'], ['x | y', '1']]
  expect(renderMarkdownTable(grid)).toBe('| metric | a |\n|---|---:|\n| x \\| y | 1 |')
  expect(renderTerminalTable(grid).split('\n')).toEqual(['metric  a', '------  -', 'x | y   1'])
})

test('RESULTS.md names the machine, the unavailable columns, the goals and every scenario', () => {
  const run: RunResult = {
    startedAt: '2026-01-01T00:00:00Z', finishedAt: '2026-01-01T00:03:00Z', command: 'bun run bench --quick', quick: true,
    machine: { cpuModel: 'Test CPU', cores: 2, memoryGigabytes: 24, bunVersion: '1.4.5', nodeVersion: '20.0.0', kernel: '6.1' },
    targets: [{ id: 'direct', label: 'mock direct', idleRssMegabytes: 30 }],
    unavailable: [{ id: 'tollgate', reason: 'src/index.ts does not exist yet\nmore' }],
    scenarios: [scenario, { id: 8, title: 'rows', rows: [], notes: [], skipped: 'needs DATABASE_URL' }],
    goals: evaluateGoals([scenario]),
  }
  const markdown = renderResultsMarkdown(run)
  expect(markdown).toContain('Test CPU, 2 cores, 24.0 GB RAM')
  expect(markdown).toContain('**tollgate not measured**: src/index.ts does not exist yet')
  expect(markdown).toContain('## 2. Non-stream chat, 32 and 128 connections')
  expect(markdown).toContain('Skipped: needs DATABASE_URL')
  expect(markdown).toContain('| 32 connections, instant upstream: >= 90% of the bare proxy req/s | 95.0% of bare | met |')
})

test('memory per stream is a miss when the gateway did not hold every stream at once', () => {
  const streams = (open: number): ScenarioResult => ({
    id: 6, title: 'streams', notes: [],
    rows: [
      { key: 's6.per-stream', metric: 'per stream', unit: 'KB', values: { tollgate: 15 }, ratios: true },
      { key: 's6.open', metric: 'open', unit: 'count', values: { tollgate: open }, ratios: false },
      { key: 's6.completed', metric: 'completed', unit: 'count', values: { tollgate: 2000 }, ratios: false },
      { key: 's6.dropped', metric: 'dropped', unit: 'count', values: { tollgate: 0 }, ratios: false },
    ],
  })
  const goal = (open: number) => evaluateGoals([streams(open)]).find((entry) => entry.goal === '< 40 KB RSS per open stream')!
  expect(goal(2000)).toMatchObject({ status: 'met', measured: '15.0 KB' })
  expect(goal(256)).toMatchObject({ status: 'missed', measured: '15.0 KB (but only 256 of 2000 streams were open at once)' })
})
