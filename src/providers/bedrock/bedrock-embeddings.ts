import { ConversionError } from '../errors.ts'
import { emptyUsage, type CapabilityRequest, type EmbeddingsCapability, type UpstreamTarget } from '../types.ts'
import { mapBedrockError } from './bedrock-error.ts'
import { signedBedrockPost } from './bedrock-request.ts'

/** Cohere's embed models on Bedrock take a batch; Amazon's Titan models one text per call. */
const isCohere = (model: string) => /(^|\.)cohere\.embed/.test(model)

/** `POST /model/{id}/invoke`, signed like the chat requests. */
function invoke(target: UpstreamTarget, body: Record<string, unknown>): CapabilityRequest {
  return { method: 'POST', ...signedBedrockPost(target, 'bedrock-runtime', `/model/${encodeURIComponent(target.model)}/invoke`, JSON.stringify(body)), signed: true }
}

/**
 * Embeddings on Bedrock through InvokeModel: Cohere embed (`texts`, `input_type`; usage not reported, so counted)
 * and Amazon Titan text embeddings (`inputText`, one per request; `inputTextTokenCount` billed). Titan cannot take
 * a batch in one call, so several inputs are refused with a message rather than sent as several calls.
 */
export const bedrockEmbeddings: EmbeddingsCapability = {
  request(embeddings, target) {
    if (isCohere(target.model)) {
      return invoke(target, { texts: embeddings.input, input_type: embeddings.input_type ?? 'search_document', embedding_types: ['float'] })
    }
    if (embeddings.input.length !== 1) {
      throw new ConversionError('invalid_request', `${target.model} embeds one text per request on Bedrock: send one input (or use a Cohere embed model for batches)`, 'input')
    }
    return invoke(target, { inputText: embeddings.input[0], ...(embeddings.dimensions ? { dimensions: embeddings.dimensions } : {}) })
  },
  parse(body) {
    if (Array.isArray(body.embedding)) {
      const tokens = body.inputTextTokenCount
      return { vectors: [body.embedding as number[]], usage: typeof tokens === 'number' ? { ...emptyUsage(), inputTokens: tokens } : null }
    }
    const embeddings = body.embeddings as number[][] | { float?: number[][] } | undefined
    return { vectors: Array.isArray(embeddings) ? embeddings : embeddings?.float ?? [], usage: null }
  },
  mapError: mapBedrockError,
}
