import type { ModelListCapability, OpenAiEndpointsCapability, OpenAiMediaPath, ProviderAdaptor, RealtimeCapability, UpstreamTarget } from '../types.ts'
import { joinUrl } from '../url.ts'
import { createOpenAiChatAdaptor } from './openai-chat-adaptor.ts'
import { toWebSocketUrl } from './openai-realtime.ts'

/** Used when neither the channel's `other` nor AZURE_DEFAULT_API_VERSION (target.setting.azureDefaultApiVersion) names one. */
export const fallbackAzureApiVersion = '2025-04-01-preview'

/** api-version: the channel's `other` field first (new-api's place for it), then the configured default. */
export function azureApiVersion(target: Pick<UpstreamTarget, 'other' | 'setting'>): string {
  const fromChannel = target.other.trim()
  if (fromChannel.length > 0 && !fromChannel.startsWith('{')) return fromChannel
  const configured = target.setting.azureDefaultApiVersion
  return typeof configured === 'string' && configured.length > 0 ? configured : fallbackAzureApiVersion
}

/**
 * Azure OpenAI chat URL. The classic API addresses a deployment (named by the model after model_mapping) with an
 * api-version query; api-version `v1` selects the newer version-less `/openai/v1/` API that takes the model in
 * the body like OpenAI.
 */
export function azureChatUrl(target: UpstreamTarget): string {
  const version = azureApiVersion(target)
  if (version === 'v1') return joinUrl(target.baseUrl, '/openai/v1/chat/completions')
  const base = target.baseUrl.replace(/\/+$/, '')
  return `${base}/openai/deployments/${encodeURIComponent(target.model)}/chat/completions?api-version=${encodeURIComponent(version)}`
}

/** Azure Responses URL; version from setting `azure_responses_version` (new-api's name) or the chat version. */
export function azureResponsesUrl(target: UpstreamTarget): string {
  const configured = target.setting.azure_responses_version ?? target.setting.azureResponsesVersion
  const version = typeof configured === 'string' && configured.length > 0 ? configured : azureApiVersion(target)
  if (version === 'v1') return joinUrl(target.baseUrl, '/openai/v1/responses')
  const base = target.baseUrl.replace(/\/+$/, '')
  return `${base}/openai/responses?api-version=${encodeURIComponent(version)}`
}

export const azureAuthHeaders = (target: UpstreamTarget): Record<string, string> => ({ 'api-key': target.key })

export const azureAdaptor: ProviderAdaptor = createOpenAiChatAdaptor({
  id: 'azure',
  chatPath: '/openai/v1/chat/completions',
  streamUsageOption: true,
  officialOpenAi: true,
  buildUrl: azureChatUrl,
  authHeaders: azureAuthHeaders,
})

/**
 * Azure's completions / embeddings / moderations: a deployment path with an api-version, or the version-less
 * `/openai/v1/` API.
 */
export const azureEndpoints: OpenAiEndpointsCapability = {
  url(path, target) {
    const version = azureApiVersion(target)
    if (version === 'v1') return joinUrl(target.baseUrl, `/openai${path}`)
    return `${target.baseUrl.replace(/\/+$/, '')}/openai/deployments/${encodeURIComponent(target.model)}${path.slice(3)}?api-version=${encodeURIComponent(version)}`
  },
  authHeaders: azureAuthHeaders,
}

/** The resource's models: `/openai/models?api-version=` (or `/openai/v1/models`) → `data[].id`. */
export const azureModelList: ModelListCapability = {
  request(target) {
    const version = azureApiVersion(target)
    const url = version === 'v1' ? joinUrl(target.baseUrl, '/openai/v1/models') : `${target.baseUrl.replace(/\/+$/, '')}/openai/models?api-version=${encodeURIComponent(version)}`
    return { method: 'GET', url, headers: azureAuthHeaders(target) }
  },
  parse: (body) => ((body.data as { id: string }[] | undefined) ?? []).map((model) => model.id),
}

/** Azure OpenAI's image deployments (gpt-image, dall-e-3) generate and edit; dall-e-2, the one with variations, is not offered there. */
export const azureImagePaths: ReadonlySet<OpenAiMediaPath> = new Set(['/v1/images/generations', '/v1/images/edits'])

/** Realtime api-version: setting `azure_realtime_version` when the chat version is not one realtime serves, else the chat version. */
function azureRealtimeVersion(target: UpstreamTarget): string {
  const configured = target.setting.azure_realtime_version
  return typeof configured === 'string' && configured.length > 0 ? configured : azureApiVersion(target)
}

/**
 * Azure OpenAI realtime: the GA API (api-version `v1`) at `/openai/v1/realtime?model=<deployment>`, the preview at
 * `/openai/realtime?api-version=…&deployment=<deployment>`; the key in the `api-key` header either way. Client
 * secrets: GA `/openai/v1/realtime/client_secrets`, preview `/openai/realtimeapi/sessions?api-version=…`.
 */
export const azureRealtime: RealtimeCapability = {
  url(target) {
    const version = azureRealtimeVersion(target)
    const base = toWebSocketUrl(target.baseUrl.replace(/\/+$/, ''))
    if (version === 'v1') return `${toWebSocketUrl(joinUrl(target.baseUrl, '/openai/v1/realtime'))}?model=${encodeURIComponent(target.model)}`
    return `${base}/openai/realtime?api-version=${encodeURIComponent(version)}&deployment=${encodeURIComponent(target.model)}`
  },
  headers: azureAuthHeaders,
  sessionsUrl(path, target) {
    const version = azureRealtimeVersion(target)
    if (version === 'v1') return joinUrl(target.baseUrl, `/openai${path}`)
    return `${target.baseUrl.replace(/\/+$/, '')}/openai/realtimeapi/sessions?api-version=${encodeURIComponent(version)}`
  },
}
