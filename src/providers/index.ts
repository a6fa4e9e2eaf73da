import { anthropicAdaptor } from './anthropic/anthropic-adaptor.ts'
import { createEventStreamDecoder } from './bedrock/aws-eventstream.ts'
import { bedrockAdaptor } from './bedrock/bedrock-adaptor.ts'
import { cohereAdaptor } from './cohere/cohere-adaptor.ts'
import { geminiAdaptor } from './gemini/gemini-adaptor.ts'
import { anthropicInbound } from './inbound/anthropic/anthropic-inbound.ts'
import { geminiInbound } from './inbound/gemini/gemini-inbound.ts'
import { openAiChatInbound } from './inbound/openai-chat.ts'
import { openAiResponsesInbound } from './inbound/openai-responses/responses-inbound.ts'
import { azureAdaptor } from './openai/azure.ts'
import { openAiAdaptor } from './openai/openai-chat-adaptor.ts'
import { azureResponsesAdaptor, openAiResponsesAdaptor } from './openai/openai-responses-adaptor.ts'
import { createOpenAiCompatibleAdaptor, openAiCompatibleVendors } from './openai-compatible/vendors.ts'
import { createSseDecoder } from './sse.ts'
import { createConvertingStream, createPassThroughStream } from './stream-conversion.ts'
import type { InboundFormat, ProviderAdaptor, SseEvent, StreamConversion, StreamConversionSpec, WireFormat } from './types.ts'

export { ConversionError, UpstreamStreamError } from './errors.ts'
export { createSseDecoder, encodeSse, SseDecodeError } from './sse.ts'
export { EventStreamDecodeError } from './bedrock/aws-eventstream.ts'
export type * from './types.ts'

/**
 * The provider hub's front door (see types.ts for the call order). Everything here is pure and synchronous:
 * no I/O at import, no global state besides the adaptor tables built once.
 */

const adaptors = new Map<string, ProviderAdaptor>()
for (const adaptor of [openAiAdaptor, azureAdaptor, openAiResponsesAdaptor, azureResponsesAdaptor, anthropicAdaptor, geminiAdaptor, cohereAdaptor, bedrockAdaptor]) {
  adaptors.set(adaptor.id, adaptor)
}
for (const vendor of openAiCompatibleVendors) adaptors.set(vendor.id, createOpenAiCompatibleAdaptor(vendor))

/** new-api channel type → adaptor id (new-api-compat.md §4). */
const adaptorIdByChannelType = new Map<number, string>([
  [1, 'openai'],
  [3, 'azure'],
  [14, 'anthropic'],
  [24, 'gemini'],
  [33, 'bedrock'],
  [34, 'cohere'],
])
for (const vendor of openAiCompatibleVendors) for (const type of vendor.channelTypes) adaptorIdByChannelType.set(type, vendor.id)

/** Default base URLs of the non-vendor-table types. */
const baseUrlByChannelType = new Map<number, string>([
  [1, 'https://api.openai.com'],
  [3, ''],
  [14, 'https://api.anthropic.com'],
  [24, 'https://generativelanguage.googleapis.com'],
  [34, 'https://api.cohere.ai'],
])
for (const vendor of openAiCompatibleVendors) for (const type of vendor.channelTypes) baseUrlByChannelType.set(type, vendor.defaultBaseUrl)

const inboundFormats = new Map<WireFormat, InboundFormat>([
  ['openai-chat', openAiChatInbound],
  ['anthropic', anthropicInbound],
  ['gemini', geminiInbound],
  ['openai-responses', openAiResponsesInbound],
])

/** The adaptor with this id; throws for an unknown id (a programming or configuration error, not a client one). */
export function getAdaptor(id: string): ProviderAdaptor {
  const adaptor = adaptors.get(id)
  if (adaptor === undefined) throw new Error(`no provider adaptor "${id}"`)
  return adaptor
}

export function isChannelTypeSupported(type: number): boolean {
  return adaptorIdByChannelType.has(type)
}

/** Adaptor id for a channel type; throws for types this gateway does not relay chat to (Midjourney, Suno, ...). */
export function adaptorIdForChannelType(type: number): string {
  const id = adaptorIdByChannelType.get(type)
  if (id === undefined) throw new Error(`channel type ${type} has no chat adaptor`)
  return id
}

/**
 * Adaptor for a channel serving a client of `inbound` format: OpenAI and Azure channels speak both Chat and
 * Responses, so a Responses client goes to their Responses endpoint (a pass-through) instead of via Chat.
 */
export function adaptorIdForChannel(type: number, inbound: WireFormat): string {
  if (inbound === 'openai-responses') {
    if (type === 1) return 'openai-responses'
    if (type === 3) return 'azure-responses'
  }
  return adaptorIdForChannelType(type)
}

/** new-api's default base URL for a channel type ('' when the channel must provide one). */
export function defaultBaseUrl(type: number): string {
  return baseUrlByChannelType.get(type) ?? ''
}

export function getInbound(format: WireFormat): InboundFormat {
  const inbound = inboundFormats.get(format)
  if (inbound === undefined) throw new Error(`no inbound format "${format}"`)
  return inbound
}

/**
 * Whether the client's body can be sent natively (no canonical round trip) and the upstream answer returned
 * as is. Legacy completions and embeddings are OpenAI-family endpoints: native on every OpenAI-speaking channel.
 */
export function isPassThrough(inbound: WireFormat, providerId: string): boolean {
  const format = getAdaptor(providerId).format
  if (format === inbound) return true
  return (inbound === 'openai-completions' || inbound === 'openai-embeddings') && format === 'openai-chat'
}

/**
 * One stream conversion from plain data (so a worker thread can rebuild it from a posted message).
 * Pass-through pairs get the lean tap (events untouched, usage found lazily); others parse and re-write.
 */
export function createStreamConversion(spec: StreamConversionSpec): StreamConversion {
  const adaptor = getAdaptor(spec.provider)
  if (isPassThrough(spec.inbound, spec.provider)) {
    // Completions clients are OpenAI-family: their in-stream error event has the OpenAI Chat shape.
    return createPassThroughStream(adaptor.format, spec, inboundFormats.get(spec.inbound) ?? openAiChatInbound)
  }
  return createConvertingStream(adaptor, getInbound(spec.inbound), spec)
}

/**
 * Bytes → events decoder for an upstream's stream: SSE for everyone except Bedrock (AWS eventstream). Both throw
 * a typed error (SseDecodeError / EventStreamDecodeError) on a frame beyond their bounds or a corrupt frame.
 */
export function createUpstreamDecoder(providerId: string): { push(chunk: Uint8Array): SseEvent[]; flush(): SseEvent[] } {
  return getAdaptor(providerId).streamFraming === 'aws-eventstream' ? createEventStreamDecoder() : createSseDecoder()
}
