import type { CachedChannel } from '../cache/routing.ts'
import type { Config } from '../config.ts'
import type { UpstreamTarget } from '../providers/types.ts'
import { joinUrl } from '../providers/url.ts'
import { azureApiVersion, azureAuthHeaders } from '../providers/openai/azure.ts'

/** The OpenAI-format endpoints the relay serves, with their upstream path. */
export type Endpoint = 'chat' | 'completions' | 'embeddings' | 'moderations'
export const endpointPaths: Record<Endpoint, string> = {
  chat: '/v1/chat/completions',
  completions: '/v1/completions',
  embeddings: '/v1/embeddings',
  moderations: '/v1/moderations',
}

const pollingIndex = new Map<number, number>()

/** Pick a key of a (multi-key) channel: random or round-robin among the enabled keys. Returns its index. */
export function pickKey(channel: CachedChannel): number {
  if (channel.keys.length === 1) return 0
  const enabled: number[] = []
  for (let index = 0; index < channel.keys.length; index++) if (channel.keyStatus[index] === 1) enabled.push(index)
  if (enabled.length === 0) return -1
  if (channel.multiKeyMode === 'polling') {
    const next = (pollingIndex.get(channel.id) ?? 0) % enabled.length
    pollingIndex.set(channel.id, next + 1)
    return enabled[next]!
  }
  return enabled[Math.floor(Math.random() * enabled.length)]!
}

export function buildTarget(channel: CachedChannel, keyIndex: number, model: string, stream: boolean, defaultBaseUrl: string, config: Config): UpstreamTarget {
  return {
    baseUrl: channel.baseUrl || defaultBaseUrl,
    key: channel.keys[keyIndex] ?? '',
    model,
    stream,
    other: channel.other,
    setting: { ...channel.setting, azureDefaultApiVersion: config.azureDefaultApiVersion, geminiModelMap: config.geminiModelMap },
    channelType: channel.type,
  }
}

/**
 * URL of a non-chat OpenAI endpoint on an OpenAI-format channel. Azure addresses deployments; a Custom channel
 * whose base URL already ends in the endpoint path is used as is.
 */
export function endpointUrl(endpoint: Endpoint, target: UpstreamTarget): string {
  const path = endpointPaths[endpoint]
  if (target.channelType === 3) {
    const version = azureApiVersion(target)
    if (version === 'v1') return joinUrl(target.baseUrl, `/openai${path}`)
    return `${target.baseUrl}/openai/deployments/${encodeURIComponent(target.model)}${path.slice(3)}?api-version=${encodeURIComponent(version)}`
  }
  if (target.channelType === 8) {
    const url = target.baseUrl.replaceAll('{model}', encodeURIComponent(target.model))
    if (new URL(url).pathname.endsWith(path.slice(3))) return url
  }
  return joinUrl(target.baseUrl, path)
}

export function authHeaders(target: UpstreamTarget): Record<string, string> {
  return target.channelType === 3 ? azureAuthHeaders(target) : { authorization: `Bearer ${target.key}` }
}
