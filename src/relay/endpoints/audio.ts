import { audioDurationTokens, reservationFor } from '../../billing/pricing.ts'
import { GatewayError } from '../../errors.ts'
import type { OpenAiAudioPath, Provider } from '../../providers/types.ts'
import { parseJsonObject, type Endpoint, type ParsedRequest, type RelayRoute } from '../endpoint.ts'
import { audioOf, audioSeconds, prepareAudio, respondSpeech, respondTranscription, type AudioBilling } from '../exchanges/audio-exchange.ts'
import { boundaryOf, parseMultipart, partBytes, partText } from '../exchanges/multipart-form.ts'
import { relayDoc, SpeechRequest, TranscriptionRequest, TranscriptionResponse } from '../schemas.ts'

/**
 * OpenAI's audio endpoints on the channels whose provider declares the route (OpenAI, Azure, and the vendors listed
 * in vendors.ts). Every refusal of the request itself (a missing file, an unknown format) comes before anything is
 * reserved, naming the field.
 */

const invalid = (message: string) => new GatewayError(400, message, 'invalid_request')
const servesPath = (path: OpenAiAudioPath) => (provider: Provider) => provider.openAiMediaPaths?.has(path) === true

const speechFormats = new Set(['mp3', 'opus', 'aac', 'flac', 'wav', 'pcm'])
const transcriptionFormats = new Set(['json', 'text', 'srt', 'verbose_json', 'vtt'])
const listed = (formats: Set<string>) => [...formats].join(', ')

/** A request whose `read` measured what it is billed by (ParsedRequest plus the audio part, see `audioOf`). */
type AudioRequest = ParsedRequest & { extension: AudioBilling }

function readSpeech(bodyText: string): AudioRequest {
  const body = parseJsonObject(bodyText)
  if (typeof body.input !== 'string' || body.input.length === 0) throw invalid('"input" is required: the text to turn into speech')
  const voice = body.voice as unknown
  if (!(typeof voice === 'string' && voice.length > 0) && !(voice && typeof voice === 'object' && typeof (voice as { id?: unknown }).id === 'string')) {
    throw invalid('"voice" is required: a voice name such as "alloy", or {"id": "<custom voice id>"}')
  }
  if (body.response_format !== undefined && !speechFormats.has(body.response_format as string)) {
    throw invalid(`"response_format" must be one of ${listed(speechFormats)}; got ${JSON.stringify(body.response_format)}`)
  }
  if (body.stream_format !== undefined && body.stream_format !== 'audio' && body.stream_format !== 'sse') {
    throw invalid(`"stream_format" must be "audio" or "sse"; got ${JSON.stringify(body.stream_format)}`)
  }
  // new-api counts a TTS input in characters (code points), not tokens.
  let characters = 0
  for (const _ of body.input) characters++
  return {
    body, bodyText, model: typeof body.model === 'string' ? body.model.trim() : '', stream: body.stream_format === 'sse', clientWantsUsage: false,
    extension: { tokens: characters, billedFor: { characters } },
  }
}

export const speechEndpoint: Endpoint = {
  name: 'audio.speech',
  format: 'openai-chat',
  serves: servesPath('/v1/audio/speech'),
  read: async (request) => readSpeech(await request.text()),
  completionReserve: () => 0,
  // Characters are the prompt; an SSE answer from gpt-4o-mini-tts bills audio output tokens too, which run at about
  // twice the characters, so those are reserved for as completion.
  reserve: (parsed, price, quotaPerUnit) => {
    const { tokens } = (parsed as AudioRequest).extension
    return reservationFor(price, tokens, parsed.stream ? 2 * tokens : 0, quotaPerUnit)
  },
  prepare: (context, channel, provider, keyIndex, kit) => prepareAudio(context, channel, provider, keyIndex, '/v1/audio/speech', kit),
  respond: respondSpeech,
  countPrompt: async (context) => audioOf(context).tokens,
}

/** The fields of an upload (repeated names, like `timestamp_granularities[]`, become arrays) and its audio file. */
async function readUpload(request: Request, streams: boolean): Promise<AudioRequest> {
  const boundary = boundaryOf(request.headers.get('content-type'))
  if (!boundary) throw invalid('The request must be multipart/form-data (with a boundary) carrying the audio in a "file" field')
  const form = parseMultipart(await request.bytes(), boundary)
  const body: Record<string, unknown> = {}
  let file
  for (const part of form.parts) {
    if (part.name === 'file' && part.filename !== undefined) {
      file = part
      continue
    }
    if (part.filename !== undefined) continue
    const value = partText(form, part)
    const previous = body[part.name]
    body[part.name] = previous === undefined ? value : Array.isArray(previous) ? [...previous, value] : [previous, value]
  }
  if (!file) throw invalid('"file" is required: the audio to transcribe, as a file field of the multipart form')
  if (file.dataEnd === file.dataStart) throw invalid('"file" is empty')
  if (body.response_format !== undefined && !transcriptionFormats.has(body.response_format as string)) {
    throw invalid(`"response_format" must be one of ${listed(transcriptionFormats)}; got ${JSON.stringify(body.response_format)}`)
  }
  const seconds = await audioSeconds(partBytes(form, file), file.contentType, file.filename)
  if (seconds === undefined) {
    throw invalid(`"file" (${JSON.stringify(file.filename)}) is not audio whose duration can be read; send mp3, mp4, m4a, wav, webm, ogg or flac`)
  }
  return {
    body, bodyText: '', model: typeof body.model === 'string' ? body.model.trim() : '', stream: streams && body.stream === 'true', clientWantsUsage: false,
    extension: { tokens: audioDurationTokens(seconds), billedFor: { seconds: Math.ceil(seconds) }, upload: { form, file, seconds } },
  }
}

/** `streams`: whether the route has streamed answers (transcriptions do, translations do not). */
function createUploadEndpoint(name: string, path: OpenAiAudioPath, streams: boolean): Endpoint {
  return {
    name,
    format: 'openai-chat',
    serves: servesPath(path),
    read: (request) => readUpload(request, streams),
    completionReserve: () => 0,
    reserve: (parsed, price, quotaPerUnit) => reservationFor(price, (parsed as AudioRequest).extension.tokens, 0, quotaPerUnit),
    prepare: (context, channel, provider, keyIndex, kit) => prepareAudio(context, channel, provider, keyIndex, path, kit),
    respond: respondTranscription,
    countPrompt: async (context) => audioOf(context).tokens,
  }
}

export const transcriptionsEndpoint = createUploadEndpoint('audio.transcriptions', '/v1/audio/transcriptions', true)
export const translationsEndpoint = createUploadEndpoint('audio.translations', '/v1/audio/translations', false)

const audioAnswers = Object.fromEntries(['audio/mpeg', 'audio/ogg', 'audio/aac', 'audio/flac', 'audio/wav', 'audio/pcm'].map((type) => [type, { schema: { type: 'string', format: 'binary' } }]))
const textAnswers = { 'text/plain': { schema: { type: 'string', description: 'response_format text, srt or vtt' } } }

export const audioRoutes: RelayRoute[] = [
  { path: '/v1/audio/speech', endpoint: speechEndpoint, detail: relayDoc('Speech (text to audio)', SpeechRequest, { type: 'string', format: 'binary' }, { answers: { ...audioAnswers, 'text/event-stream': { schema: { type: 'string', description: 'stream_format sse' } } } }) },
  { path: '/v1/audio/transcriptions', endpoint: transcriptionsEndpoint, detail: relayDoc('Transcription', TranscriptionRequest, TranscriptionResponse, { stream: true, multipart: true, otherAnswers: textAnswers }) },
  { path: '/v1/audio/translations', endpoint: translationsEndpoint, detail: relayDoc('Translation to English', TranscriptionRequest, TranscriptionResponse, { multipart: true, otherAnswers: textAnswers }) },
]
