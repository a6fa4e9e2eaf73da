/**
 * What the console needs to know about image and audio models and their bills: which kind of media a model name
 * is (to label its price per image, per minute or per character), what a log row's `billed_for` says in words, and
 * the type of the bytes an image answer carries. Pure, unit-tested.
 */
import { readErrorBody } from './chat-stream.ts'
import type { MessageKey } from './messages.ts'

export type MediaKind = 'image' | 'speech' | 'transcription'

// Names as the providers publish them: dall-e-3, gpt-image-1, imagen-4.0-generate-001, gemini-2.5-flash-image,
// black-forest-labs/FLUX.1-schnell, Kwai-Kolors/Kolors, grok-2-image; tts-1, gpt-4o-mini-tts; whisper-1,
// gpt-4o-transcribe, FunAudioLLM/SenseVoiceSmall.
const imagePattern = /dall-e|gpt-image|imagen|flux|stable-diffusion|sdxl|kolors|seedream|-image(?:-|$)/i
const speechPattern = /(?:^|[-/])tts(?:-|$)|cosyvoice/i
const transcriptionPattern = /whisper|transcribe|sensevoice/i

/** The media a model makes or reads, judged by its name; null for text models. */
export function mediaKindOf(model: string): MediaKind | null {
  if (transcriptionPattern.test(model)) return 'transcription'
  if (speechPattern.test(model)) return 'speech'
  if (imagePattern.test(model)) return 'image'
  return null
}

/** Tokens the gateway bills a minute of uploaded audio (new-api's rule: 1000 a minute, whole seconds rounded up). */
export const audioTokensPerMinute = 1000

/** A translation function, as `t` or `translate(locale, …)` bound to a locale. */
export type Translate = (key: MessageKey, params?: Record<string, string | number>) => string

type BilledFor = Record<string, string | number | boolean>

/**
 * A row's `billed_for` in words: "2 images · 1024x1024 · hd", "13 s", "310 characters", "3 search units".
 * `compact` gives the short form the log list shows beside the model ("2 × 1024x1024", "310 chars").
 */
export function describeBilledFor(billed: BilledFor | undefined, translate: Translate, compact = false): string {
  if (!billed) return ''
  const parts: string[] = []
  const known = new Set(['n', 'size', 'quality', 'size_ratio', 'quality_ratio', 'seconds', 'characters', 'search_units', 'documents', 'usage_tokens'])
  const number = (value: unknown) => (typeof value === 'number' ? value : Number(value))
  if (billed.n !== undefined) {
    const count = number(billed.n)
    if (compact) parts.push(billed.size ? `${count} × ${billed.size}` : translate(count === 1 ? 'media.image_one' : 'media.images', { count }))
    else {
      parts.push(translate(count === 1 ? 'media.image_one' : 'media.images', { count }))
      if (billed.size) parts.push(String(billed.size))
    }
    if (billed.quality && !compact) parts.push(String(billed.quality))
    if (!compact) {
      // The dall-e multipliers only matter when they changed the price.
      const ratios = [
        billed.size_ratio !== undefined && number(billed.size_ratio) !== 1 ? translate('media.size_ratio', { ratio: number(billed.size_ratio) }) : '',
        billed.quality_ratio !== undefined && number(billed.quality_ratio) !== 1 ? translate('media.quality_ratio', { ratio: number(billed.quality_ratio) }) : '',
      ].filter(Boolean)
      if (ratios.length) parts.push(ratios.join(', '))
    }
  }
  if (billed.seconds !== undefined) parts.push(formatSeconds(number(billed.seconds)))
  if (billed.characters !== undefined) parts.push(translate(compact ? 'media.characters_short' : 'media.characters', { count: number(billed.characters).toLocaleString('en-US') }))
  if (billed.search_units !== undefined) parts.push(translate(compact ? 'media.search_units_short' : 'media.search_units', { count: number(billed.search_units) }))
  if (billed.documents !== undefined && !compact) parts.push(translate('media.documents', { count: number(billed.documents) }))
  if (billed.usage_tokens === true && !compact) parts.push(translate('media.by_usage_tokens'))
  if (!compact) {
    for (const [name, value] of Object.entries(billed)) {
      if (!known.has(name)) parts.push(`${name.replaceAll('_', ' ')}: ${value}`)
    }
  }
  return parts.join(' · ')
}

/** 12.4 → "12.4 s"; a minute or more also as m:ss ("75 s (1:15)"). */
export function formatSeconds(seconds: number): string {
  if (!Number.isFinite(seconds)) return `${seconds} s`
  const shown = `${Number(seconds.toFixed(1))} s`
  if (seconds < 60) return shown
  const whole = Math.round(seconds)
  return `${shown} (${Math.floor(whole / 60)}:${String(whole % 60).padStart(2, '0')})`
}

/** The image type of base64 bytes, from their first bytes (the answer's `output_format` when it says). */
export function imageMimeOf(base64: string, outputFormat?: string): string {
  if (outputFormat === 'jpeg' || outputFormat === 'jpg') return 'image/jpeg'
  if (outputFormat === 'webp') return 'image/webp'
  if (outputFormat === 'png') return 'image/png'
  if (base64.startsWith('/9j/')) return 'image/jpeg'
  if (base64.startsWith('UklGR')) return 'image/webp'
  if (base64.startsWith('R0lGOD')) return 'image/gif'
  return 'image/png'
}

/** The file extension to offer a download under, from a MIME type. */
export function extensionOf(mime: string): string {
  const subtype = mime.split('/')[1]?.split(';')[0] ?? 'bin'
  return subtype === 'jpeg' ? 'jpg' : subtype === 'mpeg' ? 'mp3' : subtype === 'x-wav' || subtype === 'wave' ? 'wav' : subtype
}

/** The audio types a speech answer may come in, as the browser should be told them. */
export const speechFormats: Record<string, string> = {
  mp3: 'audio/mpeg',
  opus: 'audio/ogg',
  aac: 'audio/aac',
  flac: 'audio/flac',
  wav: 'audio/wav',
}

/** 2048 → "2.0 KB"; the speech mode counts bytes as they arrive. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`
}

/** The relay routes the playground's media modes call. */
export const mediaRoutes = { image: '/v1/images/generations', speech: '/v1/audio/speech' } as const

/**
 * A media request's failure in words: the upstream's or the relay's own message, or, for the 404 of a route this
 * gateway does not have, a sentence that says so (a 404 with another message, such as a model lookup's, keeps it).
 */
export function describeRelayFailure(status: number, text: string, path: string, translate: Translate): string {
  if (status === 404 && (!text.trim() || /No route for/i.test(text))) return translate('playground.route_unavailable', { path })
  return readErrorBody(text, status)
}
