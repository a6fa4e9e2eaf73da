import { isRecord, toOpenAiUsage, unixSeconds } from '../canonical.ts'
import type { CanonicalToolCall, JsonObject, ThinkingBlock } from '../canonical.ts'
import type { ChatResponse, ProviderAdaptor, UpstreamRequest, UpstreamTarget } from '../types.ts'
import { mapBedrockError } from './bedrock-error.ts'
import { signedBedrockPost } from './bedrock-request.ts'
import { createBedrockStreamParser } from './bedrock-stream-parser.ts'
import { convertBedrockUsage } from './convert-bedrock-usage.ts'
import { convertToBedrockRequest, parseBedrockKey } from './convert-to-bedrock-messages.ts'
import { bedrockModelId } from './bedrock-model-id.ts'
import { mapBedrockFinishReason } from './map-bedrock-finish-reason.ts'

/** Bedrock Converse response → canonical chat completion. */
export function convertBedrockResponse(body: JsonObject): ChatResponse {
  const message = isRecord(body.output) && isRecord(body.output.message) ? body.output.message : {}
  let content = ''
  let reasoning = ''
  const thinkingBlocks: ThinkingBlock[] = []
  const toolCalls: CanonicalToolCall[] = []
  for (const block of Array.isArray(message.content) ? message.content : []) {
    if (!isRecord(block)) continue
    if (typeof block.text === 'string') content += block.text
    else if (isRecord(block.toolUse)) {
      toolCalls.push({ id: String(block.toolUse.toolUseId), type: 'function', function: { name: String(block.toolUse.name), arguments: JSON.stringify(block.toolUse.input ?? {}) } })
    } else if (isRecord(block.reasoningContent)) {
      const reasoningText = isRecord(block.reasoningContent.reasoningText) ? block.reasoningContent.reasoningText : null
      if (reasoningText !== null) {
        reasoning += String(reasoningText.text ?? '')
        thinkingBlocks.push({ type: 'thinking', thinking: String(reasoningText.text ?? ''), signature: String(reasoningText.signature ?? '') })
      } else if (typeof block.reasoningContent.redactedContent === 'string') {
        thinkingBlocks.push({ type: 'redacted_thinking', data: block.reasoningContent.redactedContent })
      }
    }
  }
  const canonicalMessage: JsonObject = { role: 'assistant', content: content.length > 0 || toolCalls.length === 0 ? content : null }
  if (reasoning.length > 0) canonicalMessage.reasoning_content = reasoning
  if (thinkingBlocks.length > 0) canonicalMessage.thinking_blocks = thinkingBlocks
  if (toolCalls.length > 0) canonicalMessage.tool_calls = toolCalls
  const usage = convertBedrockUsage(body.usage)
  const response: ChatResponse = {
    id: '',
    object: 'chat.completion',
    created: unixSeconds(),
    model: '',
    choices: [{ index: 0, message: canonicalMessage, finish_reason: mapBedrockFinishReason(body.stopReason) ?? 'stop' }],
  }
  if (usage !== null) response.usage = toOpenAiUsage(usage)
  return response
}

/**
 * Converse URL and auth. The model id (after model_mapping, then bedrockModelId's cross-Region inference profile:
 * `us.amazon.nova-pro-v1:0`) is one path segment, so its ':' is percent-encoded, and the request is SigV4-signed
 * for service "bedrock" (or carries a Bedrock API key as a bearer token).
 */
export function buildBedrockRequest(native: Record<string, unknown>, target: UpstreamTarget): UpstreamRequest {
  const modelId = bedrockModelId(target.model, parseBedrockKey(target.key).region, target.setting)
  const path = `/model/${encodeURIComponent(modelId)}/${target.stream ? 'converse-stream' : 'converse'}`
  return signedBedrockPost(target, 'bedrock-runtime', path, JSON.stringify(native), target.stream ? 'application/vnd.amazon.eventstream' : 'application/json')
}

export const bedrockAdaptor: ProviderAdaptor = {
  id: 'bedrock',
  format: 'bedrock-converse',
  streamFraming: 'aws-eventstream',
  toUpstream: convertToBedrockRequest,
  buildRequest: buildBedrockRequest,
  fromUpstream(body: Record<string, unknown>, target: UpstreamTarget) {
    const response = convertBedrockResponse(body)
    response.model = target.model
    return { response, usage: convertBedrockUsage(body.usage) }
  },
  createStreamParser: () => createBedrockStreamParser(),
  readUsage: (body: Record<string, unknown>) => convertBedrockUsage(body.usage),
  mapError: mapBedrockError,
}
