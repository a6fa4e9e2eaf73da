import { toOpenAiUsage, unixSeconds } from '../canonical.ts'
import type { JsonObject } from '../canonical.ts'
import type { ChatResponse, ProviderAdaptor, UpstreamRequest, UpstreamTarget } from '../types.ts'
import { convertReplicateUsage } from './convert-replicate-usage.ts'
import { convertToReplicateInput } from './convert-to-replicate-input.ts'
import { mapReplicateError } from './replicate-error.ts'
import { replicateModel } from './replicate-model.ts'
import { openPredictionStream, settlePrediction } from './replicate-prediction.ts'
import { createReplicateStreamParser } from './replicate-stream-parser.ts'

/**
 * Replicate (channel type 56): language models run as predictions, `POST {base}/v1/models/{owner}/{name}/predictions`
 * (or `/v1/predictions` with a pinned version, replicate-model.ts) with an API token (`r8_…`) as a bearer token. A
 * non-stream request waits for the prediction (`Prefer: wait`, then polling); a stream creates it with
 * `stream: true` and reads its `urls.stream` SSE (replicate-prediction.ts, the request's prepare/read step).
 */

const usageOf = (body: JsonObject) => convertReplicateUsage(body.metrics)

/** A language model's output: an array of text pieces (the streamed tokens), or one string. */
function outputText(output: unknown): string {
  if (typeof output === 'string') return output
  if (Array.isArray(output)) return output.filter((piece): piece is string => typeof piece === 'string').join('')
  return ''
}

const createdOf = (body: JsonObject) => {
  const at = typeof body.created_at === 'string' ? Date.parse(body.created_at) : Number.NaN
  return Number.isNaN(at) ? unixSeconds() : Math.floor(at / 1000)
}

export const replicateAdaptor: ProviderAdaptor = {
  id: 'replicate',
  format: 'replicate',
  toUpstream: (request) => ({ input: convertToReplicateInput(request) }),
  buildRequest(native: Record<string, unknown>, target: UpstreamTarget): UpstreamRequest {
    const model = replicateModel(target.baseUrl, target.model)
    const body = JSON.stringify({ ...(model.version ? { version: model.version } : {}), ...native, ...(target.stream ? { stream: true } : {}) })
    const headers: Record<string, string> = { 'content-type': 'application/json', authorization: `Bearer ${target.key}` }
    // A stream needs the prediction's stream URL at once; a whole answer lets Replicate hold the call until it is done.
    if (!target.stream) headers.prefer = 'wait'
    const calls = { baseUrl: target.baseUrl, key: target.key }
    return {
      url: model.url,
      headers,
      body,
      prepare: async (io) => {
        const startedAt = Date.now()
        return { body, read: (answer) => (target.stream ? openPredictionStream(answer, io, calls) : settlePrediction(answer, io, calls, startedAt)) }
      },
    }
  },
  fromUpstream(body: Record<string, unknown>, target: UpstreamTarget) {
    const usage = usageOf(body)
    const response: ChatResponse = {
      id: String(body.id ?? ''),
      object: 'chat.completion',
      created: createdOf(body),
      model: target.model,
      choices: [{ index: 0, message: { role: 'assistant', content: outputText(body.output) }, finish_reason: 'stop' }],
    }
    if (usage !== null) response.usage = toOpenAiUsage(usage)
    return { response, usage }
  },
  createStreamParser: () => createReplicateStreamParser(),
  readUsage: usageOf,
  mapError: mapReplicateError,
}
