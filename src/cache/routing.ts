import { rendezvousChannel } from '../channels/cache-affinity.ts'
import { compileParamOverride, type BodyOverride } from '../channels/param-override.ts'
import type { ChannelRow } from '../db/store.ts'
import { GatewayError } from '../errors.ts'
import type { SecretBox } from '../security/crypto.ts'
import { splitList } from '../split-list.ts'

/** A channel as the relay uses it: parsed once when the cache is built, never per request. */
export interface CachedChannel {
  id: number
  type: number
  name: string
  status: number
  baseUrl: string
  /** One entry per key line (multi-key channels have several). */
  keys: string[]
  /** Per-key status for multi-key channels: 1 enabled, 2 disabled by hand, 3 auto-disabled. */
  keyStatus: number[]
  multiKeyMode: 'random' | 'polling'
  models: string[]
  groups: string[]
  priority: number
  weight: number
  modelMapping: Record<string, string>
  statusCodeMapping: Record<string, string>
  other: string
  setting: Record<string, unknown>
  /** `param_override` in its plain form (top-level keys to set), for multipart uploads; empty in the operations form. */
  paramOverride: Record<string, unknown>
  /** `param_override` compiled for JSON bodies (channels/param-override.ts); undefined when there is none. */
  bodyOverride?: BodyOverride
  headerOverride: Record<string, string>
  autoBan: boolean
  testModel: string
  tag: string
  /** Requests in flight on this node at most (`setting.max_concurrency`; 0 = no cap), see channels/concurrency.ts. */
  maxConcurrency: number
  /** Requests that may wait for a slot (`setting.max_queue`; defaults to the cap). */
  maxQueue: number
  /** `setting.proxy`: the HTTP(S) proxy this channel's requests go through ('' = none). */
  proxy: string
}

export interface Tier {
  priority: number
  channels: CachedChannel[]
  /** Cumulative weights, for one binary search per pick. */
  cumulative: number[]
  total: number
}

/** group → model → tiers (highest priority first), plus wildcard entries (`gpt-4-gizmo-*`). */
export interface RoutingIndex {
  byId: Map<number, CachedChannel>
  tiers: Map<string, Map<string, Tier[]>>
  wildcards: Map<string, { prefix: string; tiers: Tier[] }[]>
  /** Model names served per group (for /v1/models). */
  modelsByGroup: Map<string, string[]>
}


function parseJson<T>(text: string, fallback: T): T {
  if (!text.trim()) return fallback
  try {
    const parsed = JSON.parse(text)
    return parsed && typeof parsed === 'object' ? parsed as T : fallback
  } catch {
    return fallback
  }
}

export function toCachedChannel(row: ChannelRow, secretBox: SecretBox): CachedChannel {
  const setting = parseJson<Record<string, unknown>>(row.setting, {})
  const maxConcurrency = wholeNumber(setting.max_concurrency)
  const info = parseJson<{ multi_key_status_list?: Record<string, number>; multi_key_mode?: string; is_multi_key?: boolean }>(row.channelInfo, {})
  const keyText = secretBox.open(row.keyCiphertext)
  const keys = info.is_multi_key ? splitList(keyText, '\n') : [keyText.trim()]
  return {
    id: row.id,
    type: row.type,
    name: row.name,
    status: row.status,
    baseUrl: row.baseUrl.replace(/\/+$/, ''),
    keys,
    keyStatus: keys.map((_, index) => info.multi_key_status_list?.[String(index)] ?? 1),
    multiKeyMode: info.multi_key_mode === 'polling' ? 'polling' : 'random',
    models: splitList(row.models),
    groups: splitList(row.group),
    priority: Number(row.priority),
    weight: row.weight,
    modelMapping: parseJson(row.modelMapping, {}),
    statusCodeMapping: parseJson(row.statusCodeMapping, {}),
    other: row.other,
    setting,
    ...paramOverrideOf(row),
    headerOverride: parseJson(row.headerOverride, {}),
    autoBan: row.autoBan === 1,
    testModel: row.testModel,
    tag: row.tag,
    maxConcurrency,
    maxQueue: setting.max_queue === undefined ? maxConcurrency : wholeNumber(setting.max_queue),
    proxy: typeof setting.proxy === 'string' ? setting.proxy.trim() : '',
  }
}

/** The override compiled once; a stored one that does not compile (imported, hand-edited) fails its requests loudly. */
function paramOverrideOf(row: ChannelRow): Pick<CachedChannel, 'paramOverride' | 'bodyOverride'> {
  const override = parseJson<Record<string, unknown>>(row.paramOverride, {})
  try {
    return { paramOverride: 'operations' in override ? {} : override, bodyOverride: compileParamOverride(override) }
  } catch (error) {
    const message = `Channel ${row.id} has an invalid param_override: ${(error as Error).message}`
    return { paramOverride: {}, bodyOverride: () => { throw new GatewayError(500, message, 'channel:param_override_invalid', 'new_api_error', true) } }
  }
}

/** A whole number ≥ 0 from a stored setting (validated when saved; anything else is 0). */
const wholeNumber = (value: unknown) => (Number.isSafeInteger(value) && (value as number) > 0 ? value as number : 0)

function buildTiers(channels: CachedChannel[]): Tier[] {
  const byPriority = new Map<number, CachedChannel[]>()
  for (const channel of channels) {
    const list = byPriority.get(channel.priority) ?? []
    list.push(channel)
    byPriority.set(channel.priority, list)
  }
  return [...byPriority.entries()].sort((a, b) => b[0] - a[0]).map(([priority, members]) => {
    // Weight 0 still gets picked, as the smallest share, so a freshly added channel is not silently idle.
    const cumulative: number[] = []
    let total = 0
    for (const member of members) {
      total += member.weight > 0 ? member.weight : 1
      cumulative.push(total)
    }
    return { priority, channels: members, cumulative, total }
  })
}

export function buildRoutingIndex(channels: CachedChannel[]): RoutingIndex {
  const byId = new Map(channels.map((channel) => [channel.id, channel]))
  const grouped = new Map<string, Map<string, CachedChannel[]>>()
  for (const channel of channels) {
    if (channel.status !== 1) continue
    for (const group of channel.groups) {
      const models = grouped.get(group) ?? new Map<string, CachedChannel[]>()
      grouped.set(group, models)
      for (const model of channel.models) {
        const list = models.get(model) ?? []
        list.push(channel)
        models.set(model, list)
      }
    }
  }
  const tiers = new Map<string, Map<string, Tier[]>>()
  const wildcards = new Map<string, { prefix: string; tiers: Tier[] }[]>()
  const modelsByGroup = new Map<string, string[]>()
  for (const [group, models] of grouped) {
    const exact = new Map<string, Tier[]>()
    const patterns: { prefix: string; tiers: Tier[] }[] = []
    for (const [model, members] of models) {
      if (model.endsWith('*')) patterns.push({ prefix: model.slice(0, -1), tiers: buildTiers(members) })
      else exact.set(model, buildTiers(members))
    }
    // Longest prefix first, so the most specific wildcard wins.
    patterns.sort((a, b) => b.prefix.length - a.prefix.length)
    tiers.set(group, exact)
    wildcards.set(group, patterns)
    modelsByGroup.set(group, [...models.keys()].sort())
  }
  return { byId, tiers, wildcards, modelsByGroup }
}

/** The priority tiers serving `model` in `group`, or undefined. */
export function findTiers(index: RoutingIndex, group: string, model: string): Tier[] | undefined {
  const exact = index.tiers.get(group)?.get(model)
  if (exact) return exact
  for (const pattern of index.wildcards.get(group) ?? []) {
    if (model.startsWith(pattern.prefix)) return pattern.tiers
  }
  return undefined
}

/**
 * The tiers with only the channels `accept` admits (e.g. those whose provider serves an endpoint), undefined when
 * none is left. Memoised per tiers array and key: the routing index replaces its arrays when channels change, so
 * the filter runs once per change, not per request; the common case (every channel admitted) returns `tiers`.
 */
const filtered = new WeakMap<Tier[], Map<object, Tier[] | null>>()
export function filterTiers(tiers: Tier[], key: object, accept: (channel: CachedChannel) => boolean): Tier[] | undefined {
  let memo = filtered.get(tiers)
  if (!memo) filtered.set(tiers, memo = new Map())
  let result = memo.get(key)
  if (result === undefined) {
    const kept = tiers.every((tier) => tier.channels.every(accept)) ? tiers
      : tiers.flatMap((tier) => {
          const channels = tier.channels.filter(accept)
          return channels.length === 0 ? [] : buildTiers(channels)
        })
    result = kept.length === 0 ? null : kept
    memo.set(key, result)
  }
  return result ?? undefined
}

/**
 * Pick a channel for attempt `attempt` (0-based): attempt N uses tier N (the last tier once they run out),
 * weighted random inside the tier, skipping channels already tried. Falls through to later tiers when a tier
 * has nothing left. With an `affinity` (cache-aware routing, channels/cache-affinity.ts) the pick inside a tier
 * is the conversation's channel instead of a random one. `random` is injectable for tests.
 */
export function pickChannel(tiers: Tier[], attempt: number, exclude: ReadonlySet<number>, affinity?: number, random = Math.random): CachedChannel | undefined {
  const start = Math.min(attempt, tiers.length - 1)
  for (let offset = 0; offset < tiers.length; offset++) {
    const tier = tiers[(start + offset) % tiers.length]!
    const picked = affinity === undefined ? pickInTier(tier, exclude, random) : rendezvousChannel(tier.channels, affinity, exclude)
    if (picked) return picked
  }
  return undefined
}

function pickInTier(tier: Tier, exclude: ReadonlySet<number>, random: () => number): CachedChannel | undefined {
  if (exclude.size === 0) {
    const target = random() * tier.total
    let low = 0
    let high = tier.cumulative.length - 1
    while (low < high) {
      const middle = (low + high) >> 1
      if (tier.cumulative[middle]! > target) high = middle
      else low = middle + 1
    }
    return tier.channels[low]
  }
  const candidates = tier.channels.filter((channel) => !exclude.has(channel.id))
  if (candidates.length === 0) return undefined
  const total = candidates.reduce((sum, channel) => sum + (channel.weight > 0 ? channel.weight : 1), 0)
  let target = random() * total
  for (const channel of candidates) {
    target -= channel.weight > 0 ? channel.weight : 1
    if (target < 0) return channel
  }
  return candidates[candidates.length - 1]
}
