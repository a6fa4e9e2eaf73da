import type { Caches } from '../cache/index.ts'
import { statusInRanges } from '../cache/options.ts'
import type { CachedChannel } from '../cache/routing.ts'
import type { Store } from '../db/store.ts'
import { chatAdaptorFor, providerForChannelType } from '../providers/index.ts'
import { openAiAdaptor } from '../providers/openai/openai-chat-adaptor.ts'
import { emptyUsage, servesOpenAiPath, type Provider, type UpstreamError, type UpstreamTarget, type Usage } from '../providers/types.ts'
import { groupRatioFor, priceFor, quotaFor } from '../billing/pricing.ts'
import { channelEventRecord, channelTestRecord, type ChannelEvent } from '../billing/usage-log.ts'
import type { UsageWriter } from '../billing/usage-writer.ts'
import { scrubberFor } from '../security/scrub-secrets.ts'
import { readInfo, withKeyStatus } from './channel-info.ts'
import type { ChannelClient } from './channel-client.ts'
import { createChannelCircuit, retryAfterMs } from './circuit.ts'
import { hasBaseUrl, type ChannelRequest } from './channel-requests.ts'

export interface ChannelTestResult {
  success: boolean
  message: string
  /** Seconds, as new-api reports it. */
  time: number
  error_code?: string
}

/**
 * Channel health: auto-disable after repeated failures on configured statuses and keywords (only the failing key of
 * a multi-key channel), 429 cool-downs, a half-open probe that re-enables a disabled key once one real request
 * succeeds, channel tests with response time, and a scheduled test that re-enables auto-disabled channels. Every
 * transition is a system log row (type 4, `other.channel_event`) the console shows on the channels page.
 */
export interface ChannelHealth {
  /** An upstream said this channel cannot serve at all (a Midjourney proxy without accounts): auto-disable it if allowed. */
  reportUnusable(channel: CachedChannel, keyIndex: number, reason: string): void
  /** A failed upstream call; `headers` of the answer, when there was one, carry a 429's Retry-After. */
  reportFailure(channel: CachedChannel, keyIndex: number, status: number, message: string, headers?: Headers): void
  /** Channels every key of which is cooling down after a 429: routing prefers the others. */
  readonly cooling: ReadonlySet<number>
  keyCooling(channelId: number, keyIndex: number): boolean
  markTokenLapsed(tokenId: number, userId: number, status: 3 | 4): Promise<void>
  testChannel(id: number, model?: string, endpoint?: string, keyIndex?: number): Promise<ChannelTestResult>
  testAll(): Promise<{ tested: number; enabled: number; disabled: number }>
  /** Whether a test-all run is under way (a second one is refused). */
  readonly testAllRunning: boolean
  start(): void
  stop(): void
}

const STATUS_AUTO_DISABLED = 3

/** One channel test's request and how to read its answer. */
interface Probe {
  request: ChannelRequest
  readUsage(json: Record<string, unknown>): Usage | null
  mapError(status: number, bodyText: string): UpstreamError
}

/** A channel test waits this long for the answer. */
const TEST_TIMEOUT_MS = 60_000
/** A failed half-open probe doubles the wait before the next, up to this. */
const MAX_PROBE_DELAY_MS = 3_600_000

export function createChannelHealth(dependencies: { store: Store; caches: Caches; client: ChannelClient; writer: UsageWriter; log?: (line: string) => void }): ChannelHealth {
  const { store, caches, client, writer } = dependencies
  const log = dependencies.log ?? ((line: string) => console.warn(line))
  const disabling = new Set<number>()
  let testAllRunning = false
  let timer: ReturnType<typeof setInterval> | undefined
  const circuit = createChannelCircuit(() => caches.options.failover)
  /** Half-open probes waiting, per `channel:key`. */
  const probes = new Map<string, ReturnType<typeof setTimeout>>()
  let stopped = false

  const event = (channel: CachedChannel, keyIndex: number, kind: ChannelEvent['kind'], reason: string, nextProbeSeconds?: number) => {
    const multiKey = channel.keys.length > 1
    const content = `Channel #${channel.id} (${channel.name})${multiKey ? ` key #${keyIndex}` : ''} ${{
      disabled: 'auto-disabled', cooling: 'cooling down', probe_failed: 'failed its probe', enabled: 're-enabled',
    }[kind]}: ${reason}${nextProbeSeconds ? `; next probe in ${nextProbeSeconds} s` : ''}`
    log(`[health] ${content}`)
    writer.record(channelEventRecord({ channelId: channel.id, keyIndex: multiKey ? keyIndex : undefined, kind, content, nextProbeSeconds }))
  }

  const shouldDisable = (channel: CachedChannel, status: number, message: string) => {
    const options = caches.options
    if (!channel.autoBan || !options.autoDisableEnabled) return false
    if (statusInRanges(status, options.autoDisableStatusCodes)) return true
    const lower = message.toLowerCase()
    return options.autoDisableKeywords.some((keyword) => lower.includes(keyword))
  }

  async function disable(channel: CachedChannel, keyIndex: number, reason: string) {
    if (disabling.has(channel.id)) return
    disabling.add(channel.id)
    try {
      const row = await store.channels.get(channel.id)
      if (!row || row.status !== 1) return
      if (channel.keys.length > 1) {
        const info = withKeyStatus(readInfo(row), [keyIndex], STATUS_AUTO_DISABLED, reason.slice(0, 500))
        const allDisabled = channel.keys.every((_, index) => (info.multi_key_status_list[String(index)] ?? 1) !== 1)
        await store.channels.update(channel.id, { channelInfo: JSON.stringify(info), ...(allDisabled ? { status: STATUS_AUTO_DISABLED } : {}) })
        if (allDisabled) reason += ' (no key left: channel disabled)'
      } else {
        await store.channels.update(channel.id, { status: STATUS_AUTO_DISABLED })
      }
      await caches.invalidate({ kind: 'channels' })
      const delayMs = caches.options.autoEnableEnabled ? caches.options.failover.probeMs : 0
      event(channel, keyIndex, 'disabled', reason, delayMs ? delayMs / 1000 : undefined)
      if (delayMs) scheduleProbe(channel.id, keyIndex, delayMs)
    } catch (error) {
      log(`[health] could not disable channel ${channel.id}: ${(error as Error).message}`)
    } finally {
      disabling.delete(channel.id)
    }
  }

  /** Whether this key is still auto-disabled in the store (an administrator may have acted since). */
  async function stillAutoDisabled(channelId: number, keyIndex: number, keyCount: number): Promise<boolean> {
    const row = await store.channels.get(channelId)
    if (!row) return false
    if (keyCount <= 1) return row.status === STATUS_AUTO_DISABLED
    if (row.status === 2) return false
    return readInfo(row).multi_key_status_list[String(keyIndex)] === STATUS_AUTO_DISABLED
  }

  /** Put an auto-disabled key (and its channel) back into service. */
  async function enable(channelId: number, keyIndex: number, keyCount: number) {
    const row = await store.channels.get(channelId)
    if (!row) return
    const info = readInfo(row)
    await store.channels.update(channelId, { status: 1, channelInfo: JSON.stringify(keyCount > 1 ? withKeyStatus(info, [keyIndex], 1) : { ...info, multi_key_status_list: {} }) })
    circuit.reset(channelId, keyIndex)
    await caches.invalidate({ kind: 'channels' })
  }

  /**
   * Half-open: after the cool-down one real request (the channel test, built exactly as relayed traffic is) goes to
   * the disabled key. Success puts it back; failure waits twice as long before the next probe.
   */
  function scheduleProbe(channelId: number, keyIndex: number, delayMs: number) {
    const id = `${channelId}:${keyIndex}`
    clearTimeout(probes.get(id))
    const timer = setTimeout(async () => {
      probes.delete(id)
      const channel = caches.routing.byId.get(channelId)
      if (stopped || !channel || !caches.options.autoEnableEnabled) return
      try {
        if (!(await stillAutoDisabled(channelId, keyIndex, channel.keys.length))) return
        const result = await testChannel(channelId, undefined, undefined, keyIndex)
        if (result.success) {
          await enable(channelId, keyIndex, channel.keys.length)
          event(channel, keyIndex, 'enabled', `probe succeeded in ${result.time.toFixed(2)} s`)
        } else {
          const next = Math.min(delayMs * 2, MAX_PROBE_DELAY_MS)
          event(channel, keyIndex, 'probe_failed', result.message.slice(0, 200), next / 1000)
          scheduleProbe(channelId, keyIndex, next)
        }
      } catch (error) {
        log(`[health] probe of channel ${channelId} failed to run: ${(error as Error).message}`)
        scheduleProbe(channelId, keyIndex, Math.min(delayMs * 2, MAX_PROBE_DELAY_MS))
      }
    }, delayMs)
    timer.unref?.()
    probes.set(id, timer)
  }

  /**
   * The smallest real request a channel can answer: chat when its provider chats (unless the model or the asked
   * endpoint is an embedding or rerank one), else embeddings, else rerank.
   */
  function probeFor(channel: CachedChannel, keyIndex: number, provider: Provider, target: UpstreamTarget, model: string, endpoint?: string): Probe | undefined {
    const { requests } = client
    const canEmbed = servesOpenAiPath(provider, '/v1/embeddings')
    if (provider.rerank && (endpoint === 'rerank' || (!endpoint && /rerank/i.test(model)) || (!provider.chat && !canEmbed))) {
      const rerank = provider.rerank
      return {
        request: requests.capability(channel, rerank.request({ model: target.model, query: 'hi', documents: ['hi'] }, target), target.key),
        readUsage: (json) => rerank.parse(json).usage, mapError: rerank.mapError,
      }
    }
    if (canEmbed && (endpoint === 'embeddings' || (!endpoint && /embed/i.test(model)) || !provider.chat)) {
      const reader = provider.chat ?? openAiAdaptor
      return { request: requests.openAi(channel, keyIndex, provider, '/v1/embeddings', { model: target.model, input: 'hi' }), readUsage: reader.readUsage, mapError: reader.mapError }
    }
    if (!provider.chat) return undefined
    const adaptor = chatAdaptorFor(provider, 'openai-chat', target.model)
    return {
      request: requests.native(channel, adaptor, adaptor.toUpstream({ model: target.model, messages: [{ role: 'user', content: 'hi' }], max_tokens: 16 }, target), target),
      readUsage: (json) => adaptor.fromUpstream(json, target).usage, mapError: adaptor.mapError,
    }
  }

  async function testChannel(id: number, requestedModel?: string, endpoint?: string, probedKey?: number): Promise<ChannelTestResult> {
    const channel = caches.routing.byId.get(id)
    if (!channel) return { success: false, message: `Channel ${id} does not exist`, time: 0 }
    const model = requestedModel || channel.testModel || channel.models[0] || 'gpt-4o-mini'
    const upstreamModel = channel.modelMapping[model] ?? model
    const provider = providerForChannelType(channel.type)
    if (!provider) return { success: false, message: `Channel type ${channel.type} is not supported`, time: 0, error_code: 'channel:invalid_type' }
    if (!hasBaseUrl(channel, provider)) return { success: false, message: `Channel ${channel.id} has no base URL`, time: 0, error_code: 'channel:invalid_base_url' }
    const keyIndex = probedKey !== undefined && probedKey < channel.keys.length ? probedKey : Math.max(0, channel.keyStatus.indexOf(1))
    // The same request building as real traffic: model mapping, parameter and header overrides.
    const target = client.requests.target(channel, keyIndex, provider, upstreamModel, false)
    const probe = probeFor(channel, keyIndex, provider, target, model, endpoint)
    if (!probe) return { success: false, message: `Channel type ${channel.type} has no endpoint a test can call`, time: 0, error_code: 'channel:not_testable' }
    const started = performance.now()
    let result: ChannelTestResult
    let usage = emptyUsage()
    try {
      const response = await client.send(channel, probe.request, { timeoutMs: TEST_TIMEOUT_MS })
      const text = scrubberFor(channel.keys)(await response.text())
      const elapsed = (performance.now() - started) / 1000
      if (!response.ok) {
        const mapped = probe.mapError(response.status, text)
        result = { success: false, message: mapped.message, time: elapsed, error_code: mapped.code || 'bad_response_status_code' }
        if (shouldDisable(channel, response.status, mapped.message)) await disable(channel, keyIndex, mapped.message)
      } else {
        const json = JSON.parse(text) as Record<string, unknown>
        usage = probe.readUsage(json) ?? usage
        result = { success: true, message: '', time: elapsed }
        const threshold = Number(caches.options.raw.ChannelDisableThreshold ?? 5)
        if (threshold > 0 && elapsed > threshold && channel.autoBan && caches.options.autoDisableEnabled) {
          result = { success: false, message: `Response time ${elapsed.toFixed(2)} s is over the threshold ${threshold} s`, time: elapsed, error_code: 'channel:response_time_exceeded' }
        }
      }
    } catch (error) {
      result = { success: false, message: `Upstream request failed: ${scrubberFor(channel.keys)((error as Error).message)}`, time: (performance.now() - started) / 1000, error_code: 'do_request_failed' }
    }
    await store.channels.update(channel.id, { responseTime: Math.round(result.time * 1000), testTime: Math.floor(Date.now() / 1000) })
    const price = priceFor(caches.options, model, groupRatioFor(caches.options, 'default', 'default'))
    writer.record(channelTestRecord({
      channelId: channel.id, model, quota: price ? quotaFor(price, usage, caches.options.quotaPerUnit) : 0, usage, seconds: result.time,
      success: result.success, errorCode: result.error_code,
    }))
    return result
  }

  async function testAll() {
    let tested = 0
    let enabled = 0
    let disabled = 0
    const options = caches.options
    for (const channel of caches.routing.byId.values()) {
      if (channel.status === 2) continue // disabled by hand: leave alone
      if (providerForChannelType(channel.type)?.taskPlatform) continue // task channels have no test request (not testable)
      const result = await testChannel(channel.id)
      tested++
      if (result.success && channel.status === STATUS_AUTO_DISABLED && options.autoEnableEnabled) {
        await store.channels.update(channel.id, { status: 1, channelInfo: JSON.stringify({ ...(JSON.parse((await store.channels.get(channel.id))?.channelInfo || '{}')), multi_key_status_list: {} }) })
        enabled++
        event(channel, 0, 'enabled', 'passed the scheduled channel test')
      } else if (!result.success && channel.status === 1 && channel.autoBan && options.autoDisableEnabled) {
        await store.channels.update(channel.id, { status: STATUS_AUTO_DISABLED })
        disabled++
        event(channel, 0, 'disabled', `failed the scheduled channel test: ${result.message.slice(0, 200)}`)
      }
    }
    if (enabled || disabled) await caches.invalidate({ kind: 'channels' })
    return { tested, enabled, disabled }
  }

  return {
    reportUnusable(channel, keyIndex, reason) {
      if (channel.autoBan && caches.options.autoDisableEnabled) void disable(channel, keyIndex, reason)
    },
    reportFailure(channel, keyIndex, status, message, headers) {
      if (status === 429) {
        // Too many requests is a reason to wait, not to disable: the key cools down for as long as the upstream asked.
        const ms = (headers && retryAfterMs(headers)) || caches.options.failover.defaultCoolMs
        if (circuit.cool(channel.id, keyIndex, channel.keys.length, ms)) event(channel, keyIndex, 'cooling', `HTTP 429 for ${Math.round(ms / 1000)} s: ${message.slice(0, 160)}`)
        // An exhausted balance also answers 429 ("You exceeded your current quota"): only a keyword counts it.
        if (!channel.autoBan || !caches.options.autoDisableEnabled || !caches.options.autoDisableKeywords.some((keyword) => message.toLowerCase().includes(keyword))) return
      } else if (!shouldDisable(channel, status, message)) return
      if (circuit.failed(channel.id, keyIndex)) void disable(channel, keyIndex, `HTTP ${status}: ${message.slice(0, 200)}`)
    },
    cooling: circuit.cooling,
    keyCooling: circuit.keyCooling,
    async markTokenLapsed(tokenId, userId, status) {
      await store.tokens.update(tokenId, userId, { status }).catch(() => undefined)
      await caches.invalidate({ kind: 'tokens', id: tokenId }).catch(() => undefined)
    },
    testChannel,
    async testAll() {
      if (testAllRunning) throw new Error('A test of all channels is already running')
      testAllRunning = true
      try { return await testAll() } finally { testAllRunning = false }
    },
    get testAllRunning() { return testAllRunning },
    start() {
      // The schedule follows the ChannelTestFrequency option (minutes; 0 = off), read on every tick.
      let last = Date.now()
      timer = setInterval(() => {
        const minutes = caches.options.channelTestFrequencyMinutes
        if (!minutes || testAllRunning || Date.now() - last < minutes * 60_000) return
        last = Date.now()
        testAllRunning = true
        testAll().catch((error: Error) => log(`[health] scheduled channel test failed: ${error.message}`)).finally(() => { testAllRunning = false })
      }, 15_000)
      timer.unref?.()
    },
    stop() {
      stopped = true
      if (timer) clearInterval(timer)
      for (const probe of probes.values()) clearTimeout(probe)
      circuit.close()
    },
  }
}
