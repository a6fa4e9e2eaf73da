import { createUpstreamError, fallbackErrorMessage, parseErrorBody, typeForStatus } from '../errors.ts'
import { mapOpenAiError } from '../openai/openai-error.ts'
import type { UpstreamError } from '../types.ts'

/**
 * Ollama's native errors are `{"error": "<text>"}` with the HTTP status (404 for a model that is not pulled, 400 for
 * a bad body, 500 for a runner failure); its `/v1` routes answer OpenAI's shape, which the OpenAI mapper reads. A
 * missing model is `model_not_found` and retryable: another channel may have it pulled.
 */
export function mapOllamaError(status: number, bodyText: string): UpstreamError {
  const body = parseErrorBody(bodyText)
  if (body === null) return createUpstreamError(status, fallbackErrorMessage(status, bodyText), typeForStatus(status), '')
  if (typeof body.error !== 'string') return mapOpenAiError(status, bodyText)
  const error = createUpstreamError(status, body.error, typeForStatus(status), status === 404 ? 'model_not_found' : '')
  return error
}
