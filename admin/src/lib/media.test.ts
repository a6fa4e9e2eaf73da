import { describe, expect, test } from 'bun:test'
import { describeBilledFor, describeRelayFailure, extensionOf, formatBytes, formatSeconds, imageMimeOf, mediaKindOf } from './media.ts'
import { translate, type MessageKey } from './messages.ts'

const en = (key: MessageKey, params?: Record<string, string | number>) => translate('en', key, params)
const zh = (key: MessageKey, params?: Record<string, string | number>) => translate('zh', key, params)

describe('media models and bills', () => {
  test('model names are sorted into image, speech and transcription models; text models are none', () => {
    const kinds = ['dall-e-3', 'gpt-image-1', 'imagen-4.0-generate-001', 'gemini-2.5-flash-image', 'black-forest-labs/FLUX.1-schnell', 'tts-1-hd', 'gpt-4o-mini-tts', 'whisper-1', 'gpt-4o-transcribe', 'gpt-4o-mini', 'text-embedding-3-small', 'gemini-2.5-flash']
      .map((model) => [model, mediaKindOf(model)])
    expect(kinds).toEqual([
      ['dall-e-3', 'image'], ['gpt-image-1', 'image'], ['imagen-4.0-generate-001', 'image'], ['gemini-2.5-flash-image', 'image'], ['black-forest-labs/FLUX.1-schnell', 'image'],
      ['tts-1-hd', 'speech'], ['gpt-4o-mini-tts', 'speech'], ['whisper-1', 'transcription'], ['gpt-4o-transcribe', 'transcription'],
      ['gpt-4o-mini', null], ['text-embedding-3-small', null], ['gemini-2.5-flash', null],
    ])
  })

  test('an image bill reads as images, size and quality, with the dall-e multipliers that changed the price', () => {
    expect(describeBilledFor({ n: 2, size: '1024x1024', quality: 'hd', size_ratio: 1, quality_ratio: 2 }, en)).toBe('2 images · 1024x1024 · hd · quality × 2')
    expect(describeBilledFor({ n: 1, size: '1792x1024', quality: 'hd', size_ratio: 2, quality_ratio: 1.5 }, en)).toBe('1 image · 1792x1024 · hd · size × 2, quality × 1.5')
    expect(describeBilledFor({ n: 2, size: '1024x1024', quality: 'hd' }, en, true)).toBe('2 × 1024x1024')
    expect(describeBilledFor({ n: 1 }, zh)).toBe('1 张图片')
  })

  test('audio and rerank bills carry their units; unknown fields are still shown', () => {
    expect(describeBilledFor({ seconds: 12.4 }, en)).toBe('12.4 s')
    expect(describeBilledFor({ seconds: 75 }, en)).toBe('75 s (1:15)')
    expect(describeBilledFor({ characters: 1310, usage_tokens: true }, en)).toBe('1,310 characters · billed by reported tokens')
    expect(describeBilledFor({ characters: 310 }, en, true)).toBe('310 chars')
    expect(describeBilledFor({ search_units: 3, documents: 12 }, en)).toBe('3 search units · 12 documents')
    expect(describeBilledFor({ frames: 24 }, en)).toBe('frames: 24')
    expect(describeBilledFor(undefined, en)).toBe('')
  })

  test('seconds, image types and download extensions', () => {
    expect(formatSeconds(3)).toBe('3 s')
    expect([formatBytes(900), formatBytes(2048), formatBytes(3 * 1024 * 1024)]).toEqual(['900 B', '2.0 KB', '3.0 MB'])
    expect(imageMimeOf('iVBORw0KGgo')).toBe('image/png')
    expect(imageMimeOf('/9j/4AAQ')).toBe('image/jpeg')
    expect(imageMimeOf('iVBORw0KGgo', 'webp')).toBe('image/webp')
    expect([extensionOf('image/jpeg'), extensionOf('audio/mpeg'), extensionOf('audio/wav'), extensionOf('audio/ogg; codecs=opus')]).toEqual(['jpg', 'mp3', 'wav', 'ogg'])
  })

  test('a missing route says the gateway lacks it; other failures keep the message they came with', () => {
    const missing = JSON.stringify({ error: { message: 'No route for /v1/audio/speech', code: 'not_found' } })
    expect(describeRelayFailure(404, missing, '/v1/audio/speech', en)).toBe('This gateway does not serve /v1/audio/speech (it answered 404).')
    expect(describeRelayFailure(404, '', '/v1/audio/speech', zh)).toBe('此网关不提供 /v1/audio/speech（返回了 404）。')
    expect(describeRelayFailure(404, JSON.stringify({ error: { message: 'model tts-9 not found' } }), '/v1/audio/speech', en)).toBe('model tts-9 not found')
    expect(describeRelayFailure(400, JSON.stringify({ error: { message: 'Your request was rejected' } }), '/v1/images/generations', en)).toBe('Your request was rejected')
  })
})
