import { parseJsonObject } from '../canonical.ts'
import type { SseEvent } from '../types.ts'
import { createEventStreamDecoder } from './aws-eventstream.ts'

/** Anthropic's error type for a Bedrock stream exception, so the Anthropic parser and an Anthropic client read it as Anthropic's own. */
function anthropicErrorType(exception: string): string {
  switch (exception) {
    case 'validationException': return 'invalid_request_error'
    case 'throttlingException': return 'rate_limit_error'
    case 'serviceUnavailableException': return 'overloaded_error'
    default: return 'api_error'
  }
}

/**
 * InvokeModelWithResponseStream bytes → Anthropic SSE events. The eventstream's `chunk` events carry
 * `{"bytes": <base64 of one Anthropic stream event's JSON>}`; each becomes the event Anthropic's own API would
 * have sent (`event:` its `type`), so a Claude client gets a plain Anthropic stream and the Anthropic parser
 * converts it for everyone else. Exception messages (throttling, model errors) become Anthropic `error` events.
 */
export function createBedrockInvokeStreamDecoder(): { push(chunk: Uint8Array): SseEvent[]; flush(): SseEvent[] } {
  const frames = createEventStreamDecoder()
  const unwrap = (events: SseEvent[]): SseEvent[] => {
    const out: SseEvent[] = []
    for (const event of events) {
      const name = event.event ?? ''
      if (name === 'chunk') {
        const payload = parseJsonObject(event.data)
        if (payload === undefined || typeof payload.bytes !== 'string') continue
        const data = Buffer.from(payload.bytes, 'base64').toString('utf8')
        // Anthropic writes `type` first; an event that does not is still passed on, named by its data.
        const type = /^\{\s*"type"\s*:\s*"([^"]+)"/.exec(data)?.[1]
        out.push(type === undefined ? { data } : { event: type, data })
      } else if (name.startsWith('exception:') || name.startsWith('error:')) {
        const exception = name.slice(name.indexOf(':') + 1)
        const payload = parseJsonObject(event.data)
        const message = payload !== undefined && typeof payload.message === 'string' ? payload.message : event.data || exception
        out.push({ event: 'error', data: JSON.stringify({ type: 'error', error: { type: anthropicErrorType(exception), message } }) })
      }
    }
    return out
  }
  return {
    push: (chunk) => unwrap(frames.push(chunk)),
    flush: () => unwrap(frames.flush()),
  }
}
