import { describe, expect, test } from 'bun:test'
import { audioQuotaFor, priceFor } from '../../billing/pricing.ts'
import { parseOptions } from '../../cache/options.ts'
import { convertOpenAiRealtimeUsage } from '../../providers/openai/convert-openai-realtime-usage.ts'
import { estimateAudioTokens, eventType, itemText } from './realtime-events.ts'

describe('realtime events', () => {
  test('the type is read from the start of a frame without parsing it; anything else gives no type', () => {
    expect(eventType('{"type":"response.done","event_id":"e1","response":{}}')).toBe('response.done')
    expect(eventType('{"event_id":"e1", "type" : "session.created"}')).toBe('session.created')
    expect(eventType(`{"delta":"${'A'.repeat(400)}","type":"response.output_audio.delta"}`)).toBe('')
    expect(eventType('{not json')).toBe('')
    expect(eventType('{"type":42}')).toBe('')
  })

  test('a client item\'s text: input_text parts, transcripts and function outputs', () => {
    expect(itemText({ item: { type: 'message', content: [{ type: 'input_text', text: 'Hello ' }, { type: 'input_audio', transcript: 'there' }] } })).toBe('Hello there')
    expect(itemText({ item: { type: 'function_call_output', output: '{"ok":true}' } })).toBe('{"ok":true}')
    expect(itemText({})).toBe('')
  })

  test('audio is estimated from base64 PCM16 at 24 kHz: one second of input is 10 tokens', () => {
    expect(estimateAudioTokens(64_000, 10)).toBe(10)
    expect(estimateAudioTokens(64_000, 20)).toBe(20)
  })
})

describe('realtime pricing', () => {
  const options = parseOptions({
    ModelRatio: JSON.stringify({ 'gpt-realtime': 2 }), CompletionRatio: JSON.stringify({ 'gpt-realtime': 4 }), CacheRatio: JSON.stringify({ 'gpt-realtime': 0.1 }),
  })
  const price = priceFor(options, 'gpt-realtime', 1)!
  const usage = convertOpenAiRealtimeUsage({
    input_tokens: 127, output_tokens: 148,
    input_token_details: { text_tokens: 119, audio_tokens: 8, cached_tokens: 64, cached_tokens_details: { text_tokens: 64, audio_tokens: 0 } },
    output_token_details: { text_tokens: 36, audio_tokens: 112 },
  })!

  test('text, cached text, audio in and audio out each carry their ratio', () => {
    // 55 + 64 × 0.1 + 8 × 8 + 36 × 4 + 112 × 8 × 2 = 2061.4, × ModelRatio 2.
    expect(audioQuotaFor(price, usage, { audioRatio: 8, audioCompletionRatio: 2 }, 500_000)).toBe(4123)
    // With AudioRatio and AudioCompletionRatio 1 every audio token counts once (new-api: no CompletionRatio on audio): 55 + 6.4 + 8 + 144 + 112 = 325.4, × 2.
    expect(audioQuotaFor(price, usage, { audioRatio: 1, audioCompletionRatio: 1 }, 500_000)).toBe(Math.round((55 + 6.4 + 8 + 144 + 112) * 2))
  })

  test('cached audio is billed at AudioRatio × CacheRatio', () => {
    const cached = { ...usage, cachedInputTokens: 64, cachedAudioInputTokens: 8 }
    // text in 127 − 8 − 56 = 63, cached text 56 × 0.1, audio in 0, cached audio 8 × 0.1 × 8.
    expect(audioQuotaFor(price, cached, { audioRatio: 8, audioCompletionRatio: 2 }, 500_000)).toBe(Math.round((63 + 5.6 + 6.4 + 144 + 1792) * 2))
  })

  test('a usage without numbers is no usage', () => {
    expect(convertOpenAiRealtimeUsage(null)).toBeNull()
    expect(convertOpenAiRealtimeUsage({})).toBeNull()
  })
})
