/** A management route answering server-sent events (the Ollama pull), read with the session like every API call. */
import { ApiError } from '../../lib/api.ts'
import { readSseData } from '../../lib/chat-stream.ts'
import { user } from '../../lib/session.ts'

export async function* readSseEvents(path: string, body: unknown, signal?: AbortSignal): AsyncGenerator<string> {
  const headers: Record<string, string> = { 'Content-Type': 'application/json', Accept: 'text/event-stream' }
  const id = user()?.id
  if (id !== undefined) headers['New-Api-User'] = String(id)
  const response = await fetch(path, { method: 'POST', headers, credentials: 'same-origin', body: JSON.stringify(body), signal })
  if (!(response.headers.get('content-type') ?? '').includes('text/event-stream') || !response.body) {
    const text = await response.text()
    let message = `Request failed (HTTP ${response.status})`
    try { message = (JSON.parse(text) as { message?: string }).message || message } catch { /* not JSON */ }
    throw new ApiError(message, response.status)
  }
  yield* readSseData(response.body)
}
