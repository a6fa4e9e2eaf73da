/**
 * The models on an Ollama channel's server (new-api's `/api/channel/ollama/*` routes): listed through the channel's
 * model discovery (Ollama's `/api/tags`), pulled with progress, deleted. Actions revalidate the list.
 */
import { action, query } from '@solidjs/router'
import { api, ApiError, requestData } from '../../lib/api.ts'
import { readSseEvents } from './ollama-stream.ts'

export const getOllamaModels = query((channelId: number) => api.get<string[]>(`/api/channel/fetch_models/${channelId}`), 'ollama-models')

export const getOllamaVersion = query((channelId: number) => api.get<{ version: string }>(`/api/channel/ollama/version/${channelId}`), 'ollama-version')

export const deleteOllamaModel = action(async (request: { channelId: number; model: string }) => {
  await requestData('DELETE', '/api/channel/ollama/delete', { body: { channel_id: request.channelId, model_name: request.model } })
}, 'ollama-delete')

/** One progress line of a pull: Ollama's status, and the bytes of the layer being downloaded when it says. */
export interface PullProgress {
  status: string
  completed?: number
  total?: number
}

/**
 * Pull a model, reporting each progress line; resolves when the server says it is done, rejects with Ollama's error.
 * Then the list is revalidated (an action), so the new model shows.
 */
export const pullOllamaModel = action(async (request: { channelId: number; model: string; onProgress: (progress: PullProgress) => void; signal?: AbortSignal }) => {
  for await (const event of readSseEvents('/api/channel/ollama/pull/stream', { channel_id: request.channelId, model_name: request.model }, request.signal)) {
    if (event === '[DONE]') break
    const line = JSON.parse(event) as { status?: string; completed?: number; total?: number; error?: string; message?: string }
    if (line.error) throw new ApiError(line.error, 502)
    if (line.status) request.onProgress({ status: line.status, completed: line.completed, total: line.total })
  }
}, 'ollama-pull')
