import { anthropicAdaptor } from '../anthropic/anthropic-adaptor.ts'
import { mapAnthropicError } from '../anthropic/anthropic-error.ts'
import { isRecord } from '../canonical.ts'
import { ConversionError, parseErrorBody } from '../errors.ts'
import { geminiAdaptor } from '../gemini/gemini-adaptor.ts'
import { mapGeminiError } from '../gemini/gemini-error.ts'
import { createOpenAiChatAdaptor } from '../openai/openai-chat-adaptor.ts'
import type { ProviderAdaptor, RequestAuthorizer, UpstreamError, UpstreamRequest, UpstreamTarget } from '../types.ts'
import { parseVertexKey, type VertexServiceAccount } from './vertex-key.ts'
import { vertexRegion } from './vertex-region.ts'
import { vertexAccessToken } from './vertex-token.ts'

/**
 * Vertex AI (channel type 41): Gemini models through `generateContent` / `streamGenerateContent`, Claude models
 * through Anthropic's Messages API behind `rawPredict` / `streamRawPredict`, open models through the OpenAI-compatible
 * endpoint. All reuse the Gemini, Anthropic and OpenAI adaptors' conversions; only the URL, the auth and (for Claude)
 * two body fields differ.
 */

/** Claude on Vertex takes the Messages body with this version in the body instead of a header, and no `model`. */
export const vertexAnthropicVersion = 'vertex-2023-10-16'

const isClaude = (model: string) => model.startsWith('claude')

/**
 * Vertex names Claude versions with `@` (`claude-sonnet-4-5@20250929`); Anthropic's `-20250929` spelling, which
 * clients send, is turned into it, as new-api does.
 */
export function vertexClaudeModel(model: string): string {
  return model.includes('@') ? model : model.replace(/-(\d{8})$/, '@$1')
}

/** A path segment, with Vertex's `@` left readable. */
const segment = (value: string) => encodeURIComponent(value).replaceAll('%40', '@')

/** The channel's base URL (tests, proxies) or Google's host for the region. */
function vertexHost(target: UpstreamTarget, region: string): string {
  if (target.baseUrl.length > 0) return target.baseUrl.replace(/\/+$/, '')
  return region === 'global' ? 'https://aiplatform.googleapis.com' : `https://${region}-aiplatform.googleapis.com`
}

/** One authorizer per key, made once: it asks the token cache, which answers at once while the token is fresh. */
const authorizers = new WeakMap<VertexServiceAccount, RequestAuthorizer>()
function bearer(account: VertexServiceAccount): RequestAuthorizer {
  let authorize = authorizers.get(account)
  if (!authorize) authorizers.set(account, authorize = async (post) => ({ headers: { authorization: `Bearer ${await vertexAccessToken(account, post)}` } }))
  return authorize
}

function vertexRequest(target: UpstreamTarget, publisher: 'google' | 'anthropic', model: string, action: string, body: string): UpstreamRequest {
  const key = parseVertexKey(target.key)
  const headers: Record<string, string> = { 'content-type': 'application/json' }
  if (key.kind === 'api-key') {
    // Express mode: the global endpoint, the project implied by the key, Gemini only.
    if (publisher !== 'google') throw new ConversionError('vertex_express_gemini_only', `Vertex AI API-key (express) mode serves Gemini models only; ${model} needs a service-account key`)
    const url = `${vertexHost(target, 'global')}/v1/publishers/google/models/${segment(model)}:${action}${action.includes('?') ? '&' : '?'}key=${encodeURIComponent(key.apiKey)}`
    return { url, headers, body }
  }
  const region = vertexRegion(target.other, target.model, target.requestedModel)
  const url = `${vertexHost(target, region)}/v1/projects/${segment(key.projectId)}/locations/${region}/publishers/${publisher}/models/${segment(model)}:${action}`
  return { url, headers, body, authorize: bearer(key) }
}

/** Vertex answers Google-shaped errors from the platform (auth, quota) and Anthropic-shaped ones from Claude itself. */
export function mapVertexError(status: number, bodyText: string): UpstreamError {
  const body = parseErrorBody(bodyText)
  if (body !== null && isRecord(body.error) && typeof body.error.type === 'string') return mapAnthropicError(status, bodyText)
  return mapGeminiError(status, bodyText)
}

export const vertexGeminiAdaptor: ProviderAdaptor = {
  ...geminiAdaptor,
  id: 'vertex-gemini',
  buildRequest(native, target) {
    return vertexRequest(target, 'google', target.model, target.stream ? 'streamGenerateContent?alt=sse' : 'generateContent', JSON.stringify(native))
  },
  mapError: mapVertexError,
}

export const vertexAnthropicAdaptor: ProviderAdaptor = {
  ...anthropicAdaptor,
  id: 'vertex-anthropic',
  buildRequest(native, target) {
    const { model: _model, ...body } = native
    const action = target.stream ? 'streamRawPredict?alt=sse' : 'rawPredict'
    return vertexRequest(target, 'anthropic', vertexClaudeModel(target.model), action, JSON.stringify({ anthropic_version: vertexAnthropicVersion, ...body }))
  },
  mapError: mapVertexError,
}

/**
 * Partner and open models (Llama, Mistral, DeepSeek, Qwen… as "Model as a Service") are served by Vertex's
 * OpenAI-compatible Chat Completions endpoint, the model named `publisher/model` in the body.
 */
const openAiBase = createOpenAiChatAdaptor({ id: 'vertex-openai', chatPath: '', streamUsageOption: false, officialOpenAi: false, authHeaders: () => ({}) })

export const vertexOpenAiAdaptor: ProviderAdaptor = {
  ...openAiBase,
  buildRequest(native, target) {
    const key = parseVertexKey(target.key)
    if (key.kind === 'api-key') throw new ConversionError('vertex_express_gemini_only', `Vertex AI API-key (express) mode serves Gemini models only; ${target.model} needs a service-account key`)
    const region = vertexRegion(target.other, target.model, target.requestedModel)
    const url = `${vertexHost(target, region)}/v1/projects/${segment(key.projectId)}/locations/${region}/endpoints/openapi/chat/completions`
    return { url, headers: { 'content-type': 'application/json' }, body: JSON.stringify(native), authorize: bearer(key) }
  },
  mapError: mapVertexError,
}

/** Names new-api also sends to the OpenAI-compatible endpoint (`-maas`, Llama), plus any `publisher/model` name. */
const isOpenModel = (model: string) => model.includes('/') || model.endsWith('-maas') || model.includes('llama')

/** The adaptor for an upstream model name: Claude models speak Anthropic, open models OpenAI Chat, every other model Gemini. */
export const vertexAdaptorFor = (model: string): ProviderAdaptor => (isClaude(model) ? vertexAnthropicAdaptor : isOpenModel(model) ? vertexOpenAiAdaptor : vertexGeminiAdaptor)
