/**
 * Reading realtime events without parsing every frame: audio deltas are large base64 frames the gateway only
 * relays, so their type is sniffed from the first bytes; only the few events billing needs are parsed.
 */

/** How far into a frame the `"type"` member is looked for (OpenAI and Azure put it first). */
const TYPE_WINDOW = 256

/** The `type` of a realtime event frame, or '' when the frame is not a JSON event with one near its start. */
export function eventType(frame: string): string {
  const at = frame.indexOf('"type"')
  if (at === -1 || at > TYPE_WINDOW) return ''
  let index = at + 6
  while (frame.charCodeAt(index) === 32) index++
  if (frame.charCodeAt(index) !== 58) return '' // ':'
  index++
  while (frame.charCodeAt(index) === 32) index++
  if (frame.charCodeAt(index) !== 34) return '' // '"'
  const end = frame.indexOf('"', index + 1)
  return end === -1 || end - index > 96 ? '' : frame.slice(index + 1, end)
}

/** A parsed event, or undefined for a frame that is not a JSON object (forwarded all the same). */
export function parseEvent(frame: string): Record<string, unknown> | undefined {
  try {
    const parsed = JSON.parse(frame)
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? parsed : undefined
  } catch {
    return undefined
  }
}

/** Server events that carry a response's text (beta and GA names), whose `delta` is counted when no usage comes. */
export const textDeltaEvents: ReadonlySet<string> = new Set([
  'response.text.delta', 'response.output_text.delta', 'response.audio_transcript.delta', 'response.output_audio_transcript.delta',
])

/** Server events that carry a response's audio (base64 in `delta`). */
export const audioDeltaEvents: ReadonlySet<string> = new Set(['response.audio.delta', 'response.output_audio.delta'])

/** The text a client item carries (`input_text` / `text` parts, or a function call's output). */
export function itemText(event: Record<string, unknown>): string {
  const item = event.item as { content?: { type?: string; text?: string; transcript?: string }[]; output?: string } | undefined
  if (!item) return ''
  let text = typeof item.output === 'string' ? item.output : ''
  for (const part of item.content ?? []) {
    if (typeof part?.text === 'string') text += part.text
    else if (typeof part?.transcript === 'string') text += part.transcript
  }
  return text
}

/**
 * Audio tokens of base64 PCM16 at 24 kHz (the realtime default format), as OpenAI meters realtime audio: about
 * 10 tokens a second of input and 20 a second of output. Only used when the upstream reports no usage.
 */
export function estimateAudioTokens(base64Length: number, perSecond: number): number {
  const seconds = (base64Length * 0.75) / 48_000
  return Math.ceil(seconds * perSecond)
}

/** An `error` server event, as the realtime API sends it. */
export function errorEvent(code: string, message: string, type = 'invalid_request_error'): string {
  return JSON.stringify({ type: 'error', event_id: `event_gw_${Date.now().toString(36)}`, error: { type, code, message, param: null, event_id: null } })
}
