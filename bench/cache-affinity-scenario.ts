/**
 * Scenario 12: cache-aware routing. A replayed multi-turn workload against four channels (four keys) of the mock
 * upstream, which keeps a prompt cache per key and reports hits as OpenAI does (`prompt_tokens_details.cached_tokens`,
 * from 1024 tokens in 128-token steps). The figure is the share of prompt tokens the upstream served from its
 * cache, with CacheAwareRoutingEnabled off (weighted random, today's routing everywhere else) and on. Only
 * Tollgate routes, so direct and bare have no column here.
 *
 * The workload: 4 applications, each with its own 6 KB system prompt; 48 conversations of 6 turns spread over them,
 * 12 at a time; each turn adds a 1.5 KB question (a pasted file, a tool result) and a 1.2 KB answer, and resends the
 * whole history, as chat clients and agents do. Each phase uses applications and
 * conversations of its own, so neither finds the other's prompts cached.
 */
import type { ScenarioResult } from './report.ts'
import { promptText, row, valuesOf, type ScenarioContext } from './scenarios.ts'
import type { TollgateTarget } from './targets.ts'

const model = 'bench-cache'
const CHANNELS = 4
const APPLICATIONS = 4
const CONVERSATIONS = 48
const TURNS = 6
const PARALLEL = 12

interface Totals { prompt: number; cached: number }

async function playConversation(url: string, headers: Record<string, string>, system: string, opening: string, totals: Totals) {
  const messages: { role: string; content: string }[] = [{ role: 'system', content: system }]
  for (let turn = 0; turn < TURNS; turn++) {
    messages.push({ role: 'user', content: turn === 0 ? opening : `Follow-up ${turn}: ${promptText(1500 + turn * 37)}` })
    const response = await fetch(url, { method: 'POST', headers, body: JSON.stringify({ model, messages, max_tokens: 128 }) })
    if (!response.ok) throw new Error(`turn ${turn}: HTTP ${response.status} ${await response.text()}`)
    const answer = (await response.json()) as { choices: { message: { content: string } }[]; usage: { prompt_tokens: number; prompt_tokens_details?: { cached_tokens?: number } } }
    totals.prompt += answer.usage.prompt_tokens
    totals.cached += answer.usage.prompt_tokens_details?.cached_tokens ?? 0
    messages.push({ role: 'assistant', content: answer.choices[0]?.message.content ?? '' })
  }
}

async function phase(target: TollgateTarget, name: string): Promise<Totals> {
  const { url, headers } = target.chat('')
  const totals: Totals = { prompt: 0, cached: 0 }
  const systems = Array.from({ length: APPLICATIONS }, (_, index) => `Application ${name}-${index}. ${promptText(6000)}`)
  let next = 0
  await Promise.all(Array.from({ length: PARALLEL }, async () => {
    while (next < CONVERSATIONS) {
      const conversation = next++
      await playConversation(url, headers as Record<string, string>, systems[conversation % APPLICATIONS]!, `Conversation ${name}-${conversation}: ${promptText(300)}`, totals)
    }
  }))
  return totals
}

export async function scenarioCacheAffinity(context: ScenarioContext): Promise<ScenarioResult> {
  const off = new Map<string, Totals>()
  const on = new Map<string, Totals>()
  await context.mock.setOptions({ promptCache: true, responseBytes: 1200 })
  try {
    for (const target of context.targets) {
      const management = (target as Partial<TollgateTarget>).management
      if (!management) continue
      const gateway = target as TollgateTarget
      for (let index = 0; index < CHANNELS; index++) {
        await management.call('POST', '/api/channel/', { mode: 'single', channel: { type: 1, name: `bench-cache-${index}`, key: `sk-cache-${index}`, base_url: context.mock.url, models: model, group: 'default' } })
      }
      const options = await management.call<{ key: string; value: string }[]>('GET', '/api/option/')
      const modelRatio = JSON.parse(options.find((option) => option.key === 'ModelRatio')?.value ?? '{}')
      await management.call('PUT', '/api/option/', { key: 'ModelRatio', value: JSON.stringify({ ...modelRatio, [model]: 0.001 }) })
      for (const [enabled, results] of [['false', off], ['true', on]] as const) {
        await management.call('PUT', '/api/option/', { key: 'CacheAwareRoutingEnabled', value: enabled })
        const totals = await phase(gateway, `${target.id}-${enabled}`)
        results.set(target.id, totals)
        context.progress(`[s12] ${target.id.padEnd(16)} cache-aware routing ${enabled === 'true' ? 'on ' : 'off'}: ${(100 * totals.cached / totals.prompt).toFixed(1)}% of ${totals.prompt} prompt tokens cached`)
      }
      await management.call('PUT', '/api/option/', { key: 'CacheAwareRoutingEnabled', value: 'true' })
    }
  } finally {
    await context.mock.setOptions({ promptCache: false, responseBytes: 200 })
  }
  const columns = context.targets.filter((target) => on.has(target.id))
  const share = (totals: Totals) => (100 * totals.cached) / totals.prompt
  return {
    id: 12,
    title: `Cache-aware routing: cached share of prompt tokens, ${CONVERSATIONS} conversations × ${TURNS} turns over ${CHANNELS} keys`,
    rows: [
      row('s12.cached-off', 'prompt tokens served from the upstream cache, routing off', '%', valuesOf(columns, off, share), false),
      row('s12.cached-on', 'prompt tokens served from the upstream cache, cache-aware routing on', '%', valuesOf(columns, on, share), false),
    ],
    notes: [
      `${APPLICATIONS} applications with a 6 KB system prompt each; each turn adds 2.7 KB and resends the history. The mock caches per key at message granularity, from 1024 tokens. The best possible share is below 100%: every conversation's first turn misses its own history.`,
    ],
  }
}
