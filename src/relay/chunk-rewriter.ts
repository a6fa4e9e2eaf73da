import { createSseDecoder, encodeSse } from '../providers/sse.ts'

/** One rewrite of an OpenAI-format stream chunk (a parsed `data:` payload); returns the chunk to send. */
export type ChunkRewrite = (chunk: Record<string, unknown>) => Record<string, unknown>

/**
 * An OpenAI-format stream rewritten chunk by chunk (a channel's `thinking_to_content`, `force_format`): bytes in,
 * the rewritten SSE text out, across any split of the upstream's bytes. Events that are not JSON objects
 * (`[DONE]`, comments) pass as they came.
 */
export function createChunkRewriter(rewrites: readonly ChunkRewrite[]): { push(bytes: Uint8Array): string; finish(): string } {
  const decoder = createSseDecoder()
  const rewrite = (events: { event?: string; data: string }[]) => {
    let out = ''
    for (const event of events) {
      let chunk: Record<string, unknown> | undefined
      if (event.data.startsWith('{')) {
        try { chunk = JSON.parse(event.data) } catch { /* passed on as it came */ }
      }
      if (!chunk) {
        out += encodeSse(event)
        continue
      }
      for (const step of rewrites) chunk = step(chunk)
      out += encodeSse({ ...event, data: JSON.stringify(chunk) })
    }
    return out
  }
  return {
    push: (bytes) => rewrite(decoder.push(bytes)),
    finish: () => rewrite(decoder.flush()),
  }
}
