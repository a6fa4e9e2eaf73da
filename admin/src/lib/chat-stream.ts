/**
 * Reads an OpenAI Chat Completions stream (server-sent events) from the relay. Pure over a
 * ReadableStream so it is tested with recorded bytes, without a browser.
 */

export interface ChatUsage {
  prompt_tokens?: number
  completion_tokens?: number
  total_tokens?: number
}

export interface StreamUpdate {
  /** Text to append to the assistant's answer. */
  content: string
  reasoning: string
  usage?: ChatUsage
  finishReason?: string
  /** An error event inside the stream (the relay's final error event after headers were sent). */
  error?: string
}

/** Splits a byte stream into SSE `data:` payloads, tolerant of CRLF and chunks cut anywhere. */
export async function* readSseData(body: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  const reader = body.getReader()
  const decoder = new TextDecoder()
  let buffer = ''
  let dataLines: string[] = []
  try {
    while (true) {
      const { done, value } = await reader.read()
      buffer += done ? decoder.decode() : decoder.decode(value, { stream: true })
      let newline: number
      while ((newline = buffer.indexOf('\n')) !== -1) {
        const line = buffer.slice(0, newline).replace(/\r$/, '')
        buffer = buffer.slice(newline + 1)
        if (line === '') {
          if (dataLines.length) yield dataLines.join('\n')
          dataLines = []
        } else if (line.startsWith('data:')) {
          dataLines.push(line.slice(5).replace(/^ /, ''))
        }
        // `event:`, `id:` and comment lines carry nothing the playground shows.
      }
      if (done) break
    }
    if (buffer.startsWith('data:')) dataLines.push(buffer.slice(5).replace(/^ /, ''))
    if (dataLines.length) yield dataLines.join('\n')
  } finally {
    reader.releaseLock()
  }
}

interface ChunkShape {
  choices?: { delta?: { content?: string | null; reasoning_content?: string | null; reasoning?: string | null }; finish_reason?: string | null }[]
  usage?: ChatUsage | null
  error?: { message?: string } | string
}

export function parseChunk(payload: string): StreamUpdate | null {
  if (payload === '[DONE]') return null
  let chunk: ChunkShape
  try {
    chunk = JSON.parse(payload) as ChunkShape
  } catch {
    return { content: '', reasoning: '', error: `Unreadable stream event: ${payload.slice(0, 200)}` }
  }
  if (chunk.error) {
    return { content: '', reasoning: '', error: typeof chunk.error === 'string' ? chunk.error : chunk.error.message ?? JSON.stringify(chunk.error) }
  }
  const choice = chunk.choices?.[0]
  return {
    content: choice?.delta?.content ?? '',
    reasoning: choice?.delta?.reasoning_content ?? choice?.delta?.reasoning ?? '',
    usage: chunk.usage ?? undefined,
    finishReason: choice?.finish_reason ?? undefined,
  }
}

/** The message of an OpenAI-shaped error body, or the raw text when it is something else. */
export function readErrorBody(text: string, status: number): string {
  try {
    const body = JSON.parse(text) as { error?: { message?: string } | string; message?: string }
    if (typeof body.error === 'string') return body.error
    if (body.error?.message) return body.error.message
    if (body.message) return body.message
  } catch {
    // Not JSON: fall through to the raw text.
  }
  return text.trim() ? `HTTP ${status}: ${text.slice(0, 500)}` : `HTTP ${status}`
}
