import { errorBody, errorResponse, GatewayError } from '../errors.ts'
import type { ClientError, Usage, WireFormat } from '../providers/types.ts'
import type { SensitiveMatcher, SensitiveScanner } from '../security/sensitive-words.ts'
import { REQUEST_ID_HEADER, type RelayContext, type RelayKit } from './endpoint.ts'
import type { StreamSource } from './stream-response.ts'

/**
 * The completion half of the sensitive-word filter (CheckSensitiveOnCompletionEnabled): a chat answer whose text
 * (content or reasoning) holds a listed word is refused with 400 `sensitive_words_detected` in the client's error
 * shape, and a stream is cut with the client format's error event when the word's last character arrives.
 *
 * Streams are read as the client receives them (its wire format, after every conversion and rewrite), so one
 * filter serves byte pass-throughs, native streams and conversions, inline or in a worker. Every text field has
 * its own scanner (content and reasoning of each choice, each content block…), carried across chunks: a word split
 * between two chunks is found, and no text is read twice. Nothing of this runs when the option is off.
 */

export const refusalOf = (word: string): ClientError => ({
  status: 400, message: `The answer contains a word this gateway does not accept: ${word}`, type: 'new_api_error', code: 'sensitive_words_detected',
})

/** A refused non-stream answer, in the client's error shape. */
export const refusedAnswer = (context: RelayContext, word: string): Response =>
  errorResponse(context.endpoint.format, refusalOf(word), { [REQUEST_ID_HEADER]: context.requestId })

/** The in-stream refusal of an OpenAI-format stream (chat or completions), then `[DONE]`. */
export const openAiRefusalEvent = (error: ClientError): string => `data: ${JSON.stringify(errorBody('openai-chat', error))}\n\ndata: [DONE]\n\n`

type Json = Record<string, unknown>
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value)

/**
 * The first listed word in a chat answer in the canonical (OpenAI Chat) shape, or a completions answer: content
 * (a string or text parts) and reasoning of every choice, each field matched on its own.
 */
export function findInAnswer(matcher: SensitiveMatcher, answer: Json): string | undefined {
  const choices = Array.isArray(answer.choices) ? answer.choices : []
  for (const choice of choices) {
    if (!isObject(choice)) continue
    const message = isObject(choice.message) ? choice.message : {}
    const fields = [choice.text, message.reasoning_content, message.reasoning]
    if (Array.isArray(message.content)) for (const part of message.content) fields.push(isObject(part) ? part.text : undefined)
    else fields.push(message.content)
    for (const field of fields) {
      const word = typeof field === 'string' ? matcher.find(field) : undefined
      if (word !== undefined) return word
    }
  }
  return undefined
}

/**
 * Usage to bill for a cut stream: what was delivered. The upstream stops when the stream is cut, so its usage is
 * rarely complete; the delivered text is counted, and the upstream's figures win where they are larger.
 */
export async function usageOfCutStream(kit: RelayKit, context: RelayContext, reported: Usage | null, delivered: string): Promise<Usage> {
  const counted = await kit.fallbackUsage(context, delivered)
  return reported ? { ...reported, outputTokens: Math.max(reported.outputTokens, counted.outputTokens) } : counted
}

export interface CompletionStreamFilter {
  /** `source` with the filter in front: complete events only, checked before they are forwarded. */
  wrap(source: StreamSource): StreamSource
  /** The word that cut the stream, once one did. */
  word(): string | undefined
  /** The answer text forwarded to the client (bounded), what a cut stream is billed for. */
  delivered(): string
}

const MAX_DELIVERED_CHARACTERS = 4 * 1024 * 1024
const utf8 = new TextDecoder()

/**
 * `refusalEvent` builds the client format's closing error event (an inline or worker conversion writes it from its
 * own state, so it closes what it opened).
 */
export function createCompletionStreamFilter(matcher: SensitiveMatcher, format: WireFormat, refusalEvent: (error: ClientError) => Promise<string> | string): CompletionStreamFilter {
  const scanners = new Map<string, SensitiveScanner>()
  const delivered: string[] = []
  let deliveredCharacters = 0
  // Text of the events being checked, kept once they go out.
  let pieces: string[] = []
  let found: string | undefined
  let pending = ''
  let refusal = ''
  const bytes = new TextDecoder()
  // The streaming decoder may hold the start of a character split across reads; a read that ends in ASCII after
  // one that did not leaves it empty, so most reads take the (faster) one-shot decoder.
  let splitCharacter = false
  const decode = (chunk: Uint8Array): string => {
    if (!splitCharacter && chunk.length > 0 && chunk[chunk.length - 1]! < 0x80) return utf8.decode(chunk)
    const text = bytes.decode(chunk, { stream: true })
    splitCharacter = chunk.length > 0 && chunk[chunk.length - 1]! >= 0x80
    return text
  }

  const visit = (key: string, text: unknown) => {
    if (typeof text !== 'string' || text === '' || found !== undefined) return
    let scanner = scanners.get(key)
    if (!scanner) scanners.set(key, scanner = matcher.scanner())
    found = scanner.push(text)
    pieces.push(text)
  }
  const readData = textReaderFor(format, visit)

  /** Checks the complete events in `text` (`lf`: no CR in it); throws the refusal when one holds a word. */
  const check = (text: string, lf: boolean) => {
    pieces = []
    // OpenAI-format upstreams end lines with LF only: plain string splits, the regular expressions otherwise.
    for (const block of lf ? text.split('\n\n') : text.split(EVENT_BOUNDARY)) {
      let data = ''
      let type: string | undefined
      for (const line of lf ? block.split('\n') : block.split(LINE_END)) {
        if (line.startsWith('data:')) data += (data ? '\n' : '') + line.slice(line.charCodeAt(5) === 32 ? 6 : 5)
        else if (line.startsWith('event:')) type = line.slice(6).trim()
      }
      if (data && data !== '[DONE]') readData(data, type)
      if (found !== undefined) throw new GatewayError(400, refusalOf(found).message, 'sensitive_words_detected')
    }
    for (const piece of pieces) {
      if (deliveredCharacters >= MAX_DELIVERED_CHARACTERS) break
      delivered.push(piece)
      deliveredCharacters += piece.length
    }
  }

  /** What of `out` may go to the client: the complete events, once checked; a split event waits for its rest. */
  const take = (out: Uint8Array | string | null, done: boolean): Uint8Array | string | null => {
    const wasEmpty = pending === ''
    let text = pending + (out === null ? '' : typeof out === 'string' ? out : decode(out))
    if (done) text += bytes.decode()
    const lf = !text.includes('\r')
    const cut = done ? text.length : lastBoundary(text, lf)
    if (cut <= 0) {
      pending = text
      return null
    }
    pending = text.slice(cut)
    const complete = cut === text.length ? text : text.slice(0, cut)
    check(complete, lf)
    // Whole events and nothing held before: the bytes as they came.
    return wasEmpty && pending === '' && out !== null && (typeof out === 'string' || !done) ? out : complete
  }

  return {
    wrap: (source) => ({
      ...source,
      async next() {
        const step = await source.next()
        try {
          return { done: step.done, out: take(step.out, step.done) }
        } catch (error) {
          // Written before the responder cancels the source: a worker conversion answers nothing once cancelled.
          if (found !== undefined) refusal = await refusalEvent(refusalOf(found))
          throw error
        }
      },
      async prepareError(message) {
        if (found === undefined) await source.prepareError?.(message)
      },
      errorEvent: (message) => (found !== undefined ? refusal : source.errorEvent(message)),
    }),
    word: () => found,
    delivered: () => delivered.join(''),
  }
}

const EVENT_BOUNDARY = /\r\n\r\n|\n\n|\r\r/
const LINE_END = /\r\n|\n|\r/

/** Where the last complete event of `text` ends (after its blank line), or -1; `lfOnly`: no CR in the text. */
function lastBoundary(text: string, lfOnly: boolean): number {
  const lf = text.lastIndexOf('\n\n')
  if (lfOnly) return lf < 0 ? -1 : lf + 2
  const crlf = text.lastIndexOf('\r\n\r\n')
  const cr = text.lastIndexOf('\r\r')
  return Math.max(lf < 0 ? -1 : lf + 2, crlf < 0 ? -1 : crlf + 4, cr < 0 ? -1 : cr + 2)
}

/**
 * Reads the answer text of one event of the client's format, calling `visit` with a key per text field (so each
 * field is matched across chunks on its own) and the text.
 */
function textReaderFor(format: WireFormat, visit: (key: string, text: unknown) => void): (data: string, type: string | undefined) => void {
  const parse = (data: string): Json | undefined => {
    try {
      const parsed = JSON.parse(data)
      return isObject(parsed) ? parsed : undefined
    } catch {
      return undefined
    }
  }
  switch (format) {
    case 'anthropic':
      return (data) => {
        const event = parse(data)
        if (event?.type !== 'content_block_delta' || !isObject(event.delta)) return
        visit(`${event.index}`, event.delta.text)
        visit(`${event.index}`, event.delta.thinking)
      }
    case 'gemini':
      return (data) => {
        const candidates = parse(data)?.candidates
        if (!Array.isArray(candidates)) return
        candidates.forEach((candidate: unknown, position) => {
          if (!isObject(candidate)) return
          const parts = isObject(candidate.content) ? candidate.content.parts : undefined
          if (!Array.isArray(parts)) return
          const index = candidate.index ?? position
          for (const part of parts) if (isObject(part)) visit(`${index}${part.thought === true ? 'r' : 'c'}`, part.text)
        })
      }
    case 'openai-responses':
      return (data, type) => {
        const event = parse(data)
        const kind = type ?? event?.type
        if (!event || (kind !== 'response.output_text.delta' && kind !== 'response.reasoning_summary_text.delta' && kind !== 'response.reasoning_text.delta' && kind !== 'response.refusal.delta')) return
        visit(`${kind}:${event.output_index}:${event.content_index ?? event.summary_index}`, event.delta)
      }
    default:
      // OpenAI Chat chunks; a completions chunk's choices carry `text`.
      return (data) => {
        const choices = parse(data)?.choices
        if (!Array.isArray(choices)) return
        choices.forEach((choice: unknown, position) => {
          if (!isObject(choice)) return
          const index = choice.index ?? position
          const delta = isObject(choice.delta) ? choice.delta : {}
          visit(`${index}c`, delta.content ?? choice.text)
          visit(`${index}r`, delta.reasoning_content ?? delta.reasoning)
        })
      }
  }
}
