import { mergeAnthropicUsage } from './anthropic/convert-anthropic-usage.ts'
import { anthropicStreamError } from './anthropic/anthropic-stream-parser.ts'
import { isRecord } from './canonical.ts'
import { UpstreamStreamError } from './errors.ts'
import { convertGeminiUsage } from './gemini/convert-gemini-usage.ts'
import { convertOpenAiResponsesUsage } from './openai/convert-openai-responses-usage.ts'
import { convertOpenAiUsage } from './openai/convert-openai-usage.ts'
import { responsesStreamError } from './openai/openai-responses-stream-parser.ts'
import type {
  ChatChunk, ClientError, InboundFormat, ProviderAdaptor, SseEvent, StreamConversion, StreamConversionSpec, StreamParser, UpstreamError, Usage, WireFormat,
} from './types.ts'
import { thinkingChunkRewrite } from './thinking-to-content.ts'

function clientErrorOf(error: UpstreamError): ClientError {
  return { status: error.status, message: error.message, type: error.type, code: error.code }
}

/**
 * A channel's `thinking_to_content` on a converted stream to an OpenAI client: the canonical chunks' reasoning (Claude's
 * thinking, Gemini's thoughts) is moved into the content as the same-format pass-through does. Other streams keep the parser.
 */
function withThinkingToContent(parser: StreamParser, inbound: InboundFormat, spec: StreamConversionSpec): StreamParser {
  if (inbound.id !== 'openai-chat' || spec.target.setting.thinking_to_content !== true) return parser
  const rewrite = thinkingChunkRewrite()
  const rewriteAll = (chunks: ChatChunk[]) => chunks.map((chunk) => rewrite(chunk) as ChatChunk)
  return { push: (event) => rewriteAll(parser.push(event)), flush: () => rewriteAll(parser.flush()), usage: () => parser.usage(), finishReason: () => parser.finishReason() }
}

/**
 * Upstream parser → inbound writer. State lives in the closures of the two steps, so the same code runs inline
 * or in a worker (it is rebuilt there from the plain-data spec). An upstream error event ends the conversion
 * with the inbound format's error event; usage stays readable for billing what was delivered.
 */
export function createConvertingStream(adaptor: ProviderAdaptor, inbound: InboundFormat, spec: StreamConversionSpec): StreamConversion {
  const parser = withThinkingToContent(adaptor.createStreamParser({ ...spec.target, key: '' }), inbound, spec)
  const writer = inbound.createStreamWriter({ model: spec.model, id: spec.id, includeUsage: spec.includeUsage, created: spec.created })
  let upstreamError: UpstreamError | null = null
  let ended = false

  return {
    push(event: SseEvent): SseEvent[] {
      if (ended) return []
      let chunks
      try {
        chunks = parser.push(event)
      } catch (error) {
        if (!(error instanceof UpstreamStreamError)) throw error
        ended = true
        upstreamError = error.upstream
        return writer.fail(clientErrorOf(error.upstream))
      }
      if (chunks.length === 0) return []
      if (chunks.length === 1) return writer.push(chunks[0])
      const out: SseEvent[] = []
      for (const chunk of chunks) for (const converted of writer.push(chunk)) out.push(converted)
      return out
    },
    flush(): SseEvent[] {
      if (ended) return []
      ended = true
      const out: SseEvent[] = []
      for (const chunk of parser.flush()) out.push(...writer.push(chunk))
      out.push(...writer.flush(), ...writer.finish(parser.usage()))
      return out
    },
    usage: () => parser.usage(),
    upstreamError: () => upstreamError,
    fail(error: ClientError): SseEvent[] {
      if (ended) return []
      ended = true
      return writer.fail(error)
    },
  }
}

/**
 * Same format on both sides: events pass through untouched (the relay may forward the upstream bytes as they
 * are and use this only as a tap). Usage is found without parsing every event: only the events that can carry
 * it are kept (as text) and parsed once, when usage() is asked for. The one change ever made to the stream is
 * withholding OpenAI's usage-only chunk when the gateway asked for usage the client did not (FORCE_STREAM_OPTION).
 */
export function createPassThroughStream(format: WireFormat, spec: StreamConversionSpec, inbound: InboundFormat): StreamConversion {
  let usageEvents: string[] = []
  let anthropicStart: string | null = null
  let cachedUsage: { from: string[]; start: string | null; usage: Usage | null } | null = null
  let upstreamError: UpstreamError | null = null
  let ended = false
  const dropUsageChunk = spec.includeUsage === false

  function noteError(error: unknown): void {
    if (error instanceof UpstreamStreamError) upstreamError = error.upstream
  }

  function observe(event: SseEvent): boolean {
    const data = event.data
    switch (format) {
      case 'openai-chat':
      case 'openai-completions': {
        if (data.startsWith('{"error"')) {
          try {
            const parsed = JSON.parse(data)
            if (isRecord(parsed.error)) upstreamError = { status: 500, message: String(parsed.error.message ?? ''), type: String(parsed.error.type ?? 'upstream_error'), code: String(parsed.error.code ?? ''), retryable: false }
          } catch {
            // not JSON: nothing to learn
          }
          return true
        }
        if (data.includes('"usage":{') || data.includes('"usage": {')) {
          usageEvents = [data]
          if (dropUsageChunk && (data.includes('"choices":[]') || data.includes('"choices": []'))) return false
        }
        return true
      }
      case 'anthropic': {
        const type = event.event
        if (type === 'message_start' || (type === undefined && data.includes('"message_start"'))) anthropicStart = data
        else if (type === 'message_delta' || (type === undefined && data.includes('"message_delta"'))) usageEvents = [data]
        else if (type === 'error' || (type === undefined && data.startsWith('{"type":"error"'))) {
          try {
            noteError(anthropicStreamError(JSON.parse(data)))
          } catch {
            // unparseable error event: the client still receives it as sent
          }
        }
        return true
      }
      case 'gemini':
        if (data.includes('"usageMetadata"')) usageEvents = [data]
        return true
      case 'openai-responses': {
        const type = event.event ?? /^\{"type":"([^"]+)"/.exec(data)?.[1]
        if (type === 'response.completed' || type === 'response.incomplete' || type === 'response.failed') usageEvents = [data]
        if (type === 'error' || type === 'response.failed') {
          try {
            const parsed = JSON.parse(data)
            noteError(responsesStreamError(type === 'error' ? (isRecord(parsed.error) ? parsed.error : parsed) : parsed.response?.error))
          } catch {
            // as above
          }
        }
        return true
      }
      default:
        return true
    }
  }

  function computeUsage(): Usage | null {
    if (cachedUsage !== null && cachedUsage.from === usageEvents && cachedUsage.start === anthropicStart) return cachedUsage.usage
    let usage: Usage | null = null
    try {
      const last = usageEvents.length > 0 ? JSON.parse(usageEvents[0]) : null
      switch (format) {
        case 'openai-chat':
        case 'openai-completions':
          usage = last === null ? null : convertOpenAiUsage(last.usage ?? last.x_groq?.usage)
          break
        case 'anthropic': {
          const start = anthropicStart === null ? null : JSON.parse(anthropicStart)
          usage = mergeAnthropicUsage(isRecord(start?.message?.usage) ? start.message.usage : null, isRecord(last?.usage) ? last.usage : null)
          break
        }
        case 'gemini':
          usage = last === null ? null : convertGeminiUsage(last.usageMetadata)
          break
        case 'openai-responses':
          usage = last === null ? null : convertOpenAiResponsesUsage(last.response?.usage)
          break
        default:
          usage = null
      }
    } catch {
      usage = null
    }
    cachedUsage = { from: usageEvents, start: anthropicStart, usage }
    return usage
  }

  return {
    push(event: SseEvent): SseEvent[] {
      if (ended) return []
      return observe(event) ? [event] : []
    },
    flush(): SseEvent[] {
      ended = true
      return []
    },
    usage: computeUsage,
    upstreamError: () => upstreamError,
    fail(error: ClientError): SseEvent[] {
      if (ended) return []
      ended = true
      return inbound.createStreamWriter({ model: spec.model, id: spec.id, created: spec.created }).fail(error)
    },
  }
}
