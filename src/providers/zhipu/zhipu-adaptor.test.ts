import { describe, expect, test } from 'bun:test'
import { decodeProtectedHeader, jwtVerify } from 'jose'
import { ConversionError, UpstreamStreamError } from '../errors.ts'
import { createUpstreamDecoder, providerForChannelType } from '../index.ts'
import { assembleChunks, awkwardPieceSizes, decodeInPieces, readFixtureJson, readFixtureText, runParser } from '../replay-fixture.ts'
import type { UpstreamTarget } from '../types.ts'
import { zhipuAdaptor } from './zhipu-adaptor.ts'
import { zhipuOkBodyFailure } from './zhipu-error.ts'
import { signZhipuToken, zhipuKeyProblem, zhipuToken } from './zhipu-token.ts'

const target: UpstreamTarget = { baseUrl: 'https://open.bigmodel.cn', key: 'key-id.key-secret', model: 'chatglm_turbo', stream: true, other: '', setting: {}, channelType: 16 }
const stream = new TextEncoder().encode(readFixtureText('zhipu/chatglm-text.sse.txt'))

describe('Zhipu v3 adaptor replaying fixtures built from the API reference', () => {
  test('channel type 16 resolves to Zhipu v3, whose stream decoder keeps meta: lines', () => {
    expect(providerForChannelType(16)?.chat).toBe(zhipuAdaptor)
    const events = createUpstreamDecoder('zhipu-v3').push(stream)
    expect(events.at(-1)).toMatchObject({ event: 'finish', data: '' })
    expect(JSON.parse(events.at(-1)!.meta!).usage).toEqual({ completion_tokens: 16, prompt_tokens: 2, total_tokens: 18 })
  })

  test('the JWT: HS256 with sign_type SIGN, api_key, exp and timestamp in milliseconds, reused until near expiry', async () => {
    const token = signZhipuToken('key-id.key-secret', 1_700_000_000_000)
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'HS256', sign_type: 'SIGN' })
    const { payload } = await jwtVerify(token, new TextEncoder().encode('key-secret'), { algorithms: ['HS256'], currentDate: new Date(1_700_000_000_000) })
    expect(payload).toEqual({ api_key: 'key-id', exp: 1_700_000_000_000 + 86_400_000, timestamp: 1_700_000_000_000 })
    let clock = 1_700_000_000_000
    const first = zhipuToken('reuse-id.reuse-secret', () => clock)
    clock += 86_400_000 - 300_001
    expect(zhipuToken('reuse-id.reuse-secret', () => clock)).toBe(first)
    clock += 1
    expect(zhipuToken('reuse-id.reuse-secret', () => clock)).not.toBe(first)
  })

  test('buildRequest: invoke / sse-invoke with the JWT as Authorization; incremental streams', () => {
    const built = zhipuAdaptor.buildRequest({ prompt: [] }, target)
    expect(built.url).toBe('https://open.bigmodel.cn/api/paas/v3/model-api/chatglm_turbo/sse-invoke')
    expect(built.headers).toMatchObject({ accept: 'text/event-stream', authorization: expect.stringMatching(/^eyJ/) })
    expect(JSON.parse(built.body)).toEqual({ prompt: [], incremental: true })
    expect(zhipuAdaptor.buildRequest({ prompt: [] }, { ...target, stream: false }).url).toEndWith('/chatglm_turbo/invoke')
  })

  test('request: the system prompt goes in front of the first user turn; tools and images are refused naming the field', () => {
    expect(zhipuAdaptor.toUpstream({ model: 'x', temperature: 0.2, messages: [{ role: 'system', content: 'be brief' }, { role: 'user', content: 'hi' }, { role: 'assistant', content: 'yo' }] }, target))
      .toEqual({ prompt: [{ role: 'user', content: 'be brief\n\nhi' }, { role: 'assistant', content: 'yo' }], temperature: 0.2 })
    const param = (request: Record<string, unknown>) => { try { zhipuAdaptor.toUpstream({ model: 'x', ...request } as any, target); return null } catch (error) { return (error as ConversionError).param } }
    expect(param({ messages: [{ role: 'user', content: 'hi' }], tools: [{ type: 'function', function: { name: 'f' } }] })).toBe('tools')
    expect(param({ messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://x/y.png' } }] }] })).toBe('messages[0].content')
  })

  for (const pieceSize of awkwardPieceSizes) {
    test(`stream: add events in order (multi-line data kept), finish → stop with the meta usage (pieces of ${pieceSize})`, () => {
      const result = runParser(zhipuAdaptor.createStreamParser(target), decodeInPieces(stream, pieceSize, { keepMeta: true }))
      expect(assembleChunks(result.chunks).content).toBe('你好👋！我是人工智能助手智谱清言。\n很高兴见到你。')
      expect(result.finishReason).toBe('stop')
      expect(result.usage).toMatchObject({ inputTokens: 2, outputTokens: 16 })
    })
  }

  test('stream: an error event ends the stream with the mapped error', () => {
    expect(() => zhipuAdaptor.createStreamParser(target).push({ event: 'error', data: readFixtureText('zhipu/chatglm-error-1261.json') })).toThrow(UpstreamStreamError)
  })

  test('non-stream: the quoted content decoded, the usage', () => {
    const { response, usage } = zhipuAdaptor.fromUpstream(readFixtureJson('zhipu/chatglm-text.json'), target)
    expect((response.choices[0] as any).message.content).toBe(' 你好👋！我是人工智能助手智谱清言，可以叫我小智🤖，很高兴见到你，欢迎问我任何问题。')
    expect(usage).toMatchObject({ inputTokens: 2, outputTokens: 28 })
  })

  test('errors (HTTP 200 bodies): bad token → 401, prompt too long → 400 context_length_exceeded, unsafe content → 400', () => {
    for (const [file, status, retryable, code] of [
      ['zhipu/chatglm-error-1002.json', 401, true, 'invalid_api_key'],
      ['zhipu/chatglm-error-1261.json', 400, false, 'context_length_exceeded'],
      ['zhipu/chatglm-error-1301.json', 400, false, 'content_filter'],
    ] as const) {
      expect(zhipuOkBodyFailure(readFixtureText(file))).toEqual({ status })
      expect(zhipuAdaptor.mapError(status, readFixtureText(file))).toMatchObject({ status, retryable, code })
    }
    expect(zhipuAdaptor.mapError(429, '{"code":1302,"msg":"您当前使用该API的并发数过高","success":false}')).toMatchObject({ status: 429, retryable: true })
    // The platform in front of the API answers some failures in the `{error: {code, message}}` shape with a real status.
    expect(zhipuAdaptor.mapError(401, '{"error":{"code":"1002","message":"Authorization Token非法"}}')).toMatchObject({ status: 401, code: 'invalid_api_key', message: 'Authorization Token非法 (code 1002)' })
    expect(zhipuOkBodyFailure(readFixtureText('zhipu/chatglm-text.json'))).toBeNull()
  })

  test('a key that is not id.secret is refused', () => {
    expect(zhipuKeyProblem('no-dot')).toContain('id.secret')
    expect(zhipuKeyProblem('id.')).toContain('secret')
    expect(zhipuKeyProblem('id.secret')).toBeNull()
  })
})
