import { emptyUsage, type EmbeddingsCapability, type ModelListCapability, type OpenAiEndpointsCapability } from '../types.ts'
import { joinUrl } from '../url.ts'
import { ollamaHeaders } from './ollama-adaptor.ts'
import { mapOllamaError } from './ollama-error.ts'

/** `GET /api/tags` → the pulled models' names (`llama3.2:latest`). */
export const ollamaModelList: ModelListCapability = {
  request: (target) => ({ method: 'GET', url: joinUrl(target.baseUrl, '/api/tags'), headers: ollamaHeaders(target, false) }),
  parse: (body) => (Array.isArray(body.models) ? body.models : []).map((model: { name?: unknown; model?: unknown }) => String(model.name ?? model.model ?? '')).filter((name) => name !== ''),
}

/**
 * `POST /api/embed` {model, input: [texts], dimensions?} → `embeddings` in input order, billed by `prompt_eval_count`.
 * (The older `/api/embeddings` takes one prompt per call; `/api/embed` takes the batch.)
 */
export const ollamaEmbeddings: EmbeddingsCapability = {
  request: (embeddings, target) => ({
    method: 'POST', url: joinUrl(target.baseUrl, '/api/embed'), headers: ollamaHeaders(target),
    body: JSON.stringify({ model: target.model, input: embeddings.input, ...(embeddings.dimensions ? { dimensions: embeddings.dimensions } : {}) }),
  }),
  parse(body) {
    const vectors = Array.isArray(body.embeddings) ? body.embeddings as number[][] : []
    return { vectors, usage: typeof body.prompt_eval_count === 'number' ? { ...emptyUsage(), inputTokens: body.prompt_eval_count } : null }
  },
  mapError: mapOllamaError,
}

/** Legacy completions pass through Ollama's OpenAI-compatible `/v1/completions` (its native `/api/generate` adds nothing a completions client reads). */
export const ollamaCompletions: OpenAiEndpointsCapability = {
  paths: new Set(['/v1/completions']),
  url: (path, target) => joinUrl(target.baseUrl, path),
  authHeaders: (target) => ollamaHeaders(target, false),
}
