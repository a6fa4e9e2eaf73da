import { describe, expect, test } from 'bun:test'
import { encode as encodeCl100k } from 'gpt-tokenizer/encoding/cl100k_base'
import { encode as encodeO200k } from 'gpt-tokenizer/encoding/o200k_base'
import { encodeChat as encodeChatGpt4 } from 'gpt-tokenizer/model/gpt-4'
import { encodeChat as encodeChatGpt4o } from 'gpt-tokenizer/model/gpt-4o'
import { countChatPromptTokens, countTextTokens } from './count-chat-tokens.ts'
import { AUDIO_PART_TOKENS, FILE_PART_TOKENS, NON_OPENAI_IMAGE_TOKENS, VIDEO_PART_TOKENS } from './fixed-token-costs.ts'
import type { MediaOptions } from './protocol.ts'
import { pngHeader, toDataUrl } from './testing/image-bytes.ts'

const plain = { disallowedSpecial: new Set<string>() }
const o200k = (text: string) => encodeO200k(text, plain).length
const media: MediaOptions = { getMediaToken: true, getMediaTokenNotStream: true, maxFileDownloadMb: 20, geminiVisionMaxImageNum: 16 }
const streamContext = { media, stream: true }

const conversation = [
  { role: 'system' as const, content: 'You are a helpful assistant that answers briefly.' },
  { role: 'user' as const, content: 'What is the capital of France? Also, 2+2=?' },
  { role: 'assistant' as const, content: 'Paris. And 4.' },
  { role: 'user' as const, content: '再见！Thanks 😀' },
]

describe('countChatPromptTokens', () => {
  test('equals gpt-tokenizer encodeChat for gpt-4o (o200k) plain messages', async () => {
    const expected = encodeChatGpt4o(conversation, 'gpt-4o').length
    expect(await countChatPromptTokens('gpt-4o', { messages: conversation }, streamContext)).toEqual({ tokens: expected, estimated: false })
  })

  test('equals gpt-tokenizer encodeChat for gpt-4 (cl100k) plain messages', async () => {
    const expected = encodeChatGpt4(conversation, 'gpt-4').length
    expect(await countChatPromptTokens('gpt-4', { messages: conversation }, streamContext)).toEqual({ tokens: expected, estimated: false })
  })

  test('a name costs 1 plus its tokens', async () => {
    const withoutName = await countChatPromptTokens('gpt-4o', { messages: [{ role: 'user', content: 'hi' }] }, streamContext)
    const withName = await countChatPromptTokens('gpt-4o', { messages: [{ role: 'user', content: 'hi', name: 'alice_smith' }] }, streamContext)
    expect(withName.tokens - withoutName.tokens).toBe(1 + o200k('alice_smith'))
  })

  test('text parts of array content are counted like string content', async () => {
    const parts = await countChatPromptTokens('gpt-4o', { messages: [{ role: 'user', content: [{ type: 'text', text: 'Describe' }, { type: 'text', text: ' this.' }] }] }, streamContext)
    expect(parts.tokens).toBe(3 + o200k('user') + o200k('Describe') + o200k(' this.') + 3)
  })

  test('tools count as their JSON text; tool calls as name plus arguments', async () => {
    const tools = [{ type: 'function', function: { name: 'get_weather', description: 'Weather for a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } }]
    const messages = [
      { role: 'user', content: 'Weather in Paris?' },
      { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
      { role: 'tool', tool_call_id: 'call_1', content: '{"temperature":21}' },
    ]
    const result = await countChatPromptTokens('gpt-4o', { messages, tools }, streamContext)
    const expected =
      3 + o200k('user') + o200k('Weather in Paris?') +
      3 + o200k('assistant') + o200k('get_weather') + o200k('{"city":"Paris"}') +
      3 + o200k('tool') + o200k('{"temperature":21}') +
      o200k(JSON.stringify(tools)) + 3
    expect(result).toEqual({ tokens: expected, estimated: false })
  })

  test('a data: image is read and priced with the tile formula', async () => {
    const base = await countChatPromptTokens('gpt-4o', { messages: [{ role: 'user', content: [{ type: 'text', text: 'What is this?' }] }] }, streamContext)
    const image = { type: 'image_url', image_url: { url: toDataUrl(pngHeader(1024, 1024)) } }
    const high = await countChatPromptTokens('gpt-4o', { messages: [{ role: 'user', content: [{ type: 'text', text: 'What is this?' }, image] }] }, streamContext)
    expect(high).toEqual({ tokens: base.tokens + 765, estimated: false })
    const tall = { type: 'image_url', image_url: { url: toDataUrl(pngHeader(2048, 4096)), detail: 'high' } }
    const withTall = await countChatPromptTokens('gpt-4o', { messages: [{ role: 'user', content: [{ type: 'text', text: 'What is this?' }, tall] }] }, streamContext)
    expect(withTall.tokens).toBe(base.tokens + 1105)
  })

  test('detail low costs the base without reading the image (even broken data)', async () => {
    const image = { type: 'image_url', image_url: { url: 'data:image/png;base64,@@broken@@', detail: 'low' } }
    const result = await countChatPromptTokens('gpt-4o', { messages: [{ role: 'user', content: [image] }] }, streamContext)
    expect(result).toEqual({ tokens: 3 + o200k('user') + 85 + 3, estimated: false })
  })

  test('an unreadable image gets the fixed estimate (3 x base) and says why', async () => {
    const image = { type: 'image_url', image_url: 'data:image/png;base64,@@broken@@' }
    const result = await countChatPromptTokens('gpt-4o', { messages: [{ role: 'user', content: [image] }] }, streamContext)
    expect(result.tokens).toBe(3 + o200k('user') + 255 + 3)
    expect(result.estimated).toBe(true)
    expect(result.warnings?.join()).toMatch(/broken base64/)
  })

  test('GET_MEDIA_TOKEN=false: fixed estimate, nothing read', async () => {
    const image = { type: 'image_url', image_url: { url: toDataUrl(pngHeader(1024, 1024)) } }
    const result = await countChatPromptTokens('gpt-4o', { messages: [{ role: 'user', content: [image] }] }, { media: { ...media, getMediaToken: false }, stream: true })
    expect(result.tokens).toBe(3 + o200k('user') + 255 + 3)
    expect(result.estimated).toBe(true)
  })

  test('GET_MEDIA_TOKEN_NOT_STREAM=false: non-stream requests estimate, stream requests still read', async () => {
    const body = { messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: toDataUrl(pngHeader(1024, 1024)) } }] }] }
    const options = { ...media, getMediaTokenNotStream: false }
    expect((await countChatPromptTokens('gpt-4o', body, { media: options, stream: false })).tokens).toBe(3 + o200k('user') + 255 + 3)
    expect((await countChatPromptTokens('gpt-4o', body, { media: options, stream: true })).tokens).toBe(3 + o200k('user') + 765 + 3)
  })

  test('gpt-4o-mini images use its own rates', async () => {
    const body = { messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: toDataUrl(pngHeader(1024, 1024)) } }] }] }
    expect((await countChatPromptTokens('gpt-4o-mini', body, streamContext)).tokens).toBe(3 + o200k('user') + 2833 + 4 * 5667 + 3)
  })

  test('non-OpenAI models: cl100k estimate, 520 per image, gemini capped by GEMINI_VISION_MAX_IMAGE_NUM', async () => {
    const image = { type: 'image_url', image_url: { url: toDataUrl(pngHeader(10, 10)) } }
    const body = { messages: [{ role: 'user', content: [{ type: 'text', text: 'compare' }, image, image, image] }] }
    const cl100k = (text: string) => encodeCl100k(text, plain).length
    const textPart = 3 + cl100k('user') + cl100k('compare') + 3
    const claude = await countChatPromptTokens('claude-3-5-sonnet', body, streamContext)
    expect(claude.tokens).toBe(textPart + 3 * NON_OPENAI_IMAGE_TOKENS)
    expect(claude.estimated).toBe(true)
    const gemini = await countChatPromptTokens('gemini-1.5-pro', body, { media: { ...media, geminiVisionMaxImageNum: 2 }, stream: true })
    expect(gemini.tokens).toBe(textPart + 2 * NON_OPENAI_IMAGE_TOKENS)
    const unlimited = await countChatPromptTokens('gemini-1.5-pro', body, { media: { ...media, geminiVisionMaxImageNum: -1 }, stream: true })
    expect(unlimited.tokens).toBe(textPart + 3 * NON_OPENAI_IMAGE_TOKENS)
  })

  test('audio, video and file parts have fixed costs', async () => {
    const content = [
      { type: 'input_audio', input_audio: { data: 'AAAA', format: 'wav' } },
      { type: 'video_url', video_url: { url: 'https://example.com/v.mp4' } },
      { type: 'file', file: { filename: 'a.pdf', file_data: 'data:application/pdf;base64,AAAA' } },
    ]
    const result = await countChatPromptTokens('gpt-4o', { messages: [{ role: 'user', content }] }, streamContext)
    expect(result.tokens).toBe(3 + o200k('user') + AUDIO_PART_TOKENS + VIDEO_PART_TOKENS + FILE_PART_TOKENS + 3)
    expect(result.estimated).toBe(true)
  })

  test('malformed bodies are counted as far as they make sense, never thrown on', async () => {
    expect(await countChatPromptTokens('gpt-4o', { messages: 'nope' }, streamContext)).toEqual({ tokens: 3, estimated: false })
    expect(await countChatPromptTokens('gpt-4o', {}, streamContext)).toEqual({ tokens: 3, estimated: false })
    const odd = { messages: [null, 42, { role: 'user', content: [null, { type: 'mystery', text: 'x' }, { type: 'image_url' }] }] }
    expect((await countChatPromptTokens('gpt-4o', odd, streamContext)).tokens).toBe(3 + o200k('user') + o200k('x') + 3)
  })

  test('an unknown model is counted as an estimate', async () => {
    const result = await countChatPromptTokens('my-local-llama', { messages: [{ role: 'user', content: 'hello' }] }, streamContext)
    expect(result.estimated).toBe(true)
    expect(result.tokens).toBe(3 + encodeCl100k('user', plain).length + encodeCl100k('hello', plain).length + 3)
  })
})

describe('countTextTokens', () => {
  test('exact for OpenAI models, arrays summed per input', async () => {
    expect(await countTextTokens('text-embedding-3-small', ['first input', 'second input'])).toEqual({
      tokens: encodeCl100k('first input', plain).length + encodeCl100k('second input', plain).length,
      estimated: false,
    })
    expect(await countTextTokens('gpt-4o', 'Once upon a time')).toEqual({ tokens: o200k('Once upon a time'), estimated: false })
  })
})
