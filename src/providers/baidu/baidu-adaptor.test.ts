import { describe, expect, test } from 'bun:test'
import { ConversionError, UpstreamStreamError } from '../errors.ts'
import { providerForChannelType } from '../index.ts'
import { assembleChunks, awkwardPieceSizes, decodeInPieces, frameAsSse, readFixtureChunks, readFixtureJson, readFixtureText, runParser } from '../replay-fixture.ts'
import type { AuthPost, UpstreamTarget } from '../types.ts'
import { baiduAdaptor, baiduEndpoint } from './baidu-adaptor.ts'
import { baiduOkBodyFailure } from './baidu-error.ts'
import { baiduKeyProblem, parseBaiduKey } from './baidu-key.ts'
import { baiduAccessToken } from './baidu-token.ts'

const target: UpstreamTarget = { baseUrl: 'https://aip.baidubce.com', key: 'api-key|secret-key', model: 'ERNIE-4.0-8K', stream: true, other: '', setting: {}, channelType: 15 }
const replay = (pieceSize: number) => runParser(baiduAdaptor.createStreamParser(target), decodeInPieces(frameAsSse(readFixtureChunks('baidu/ernie-text.chunks.txt')), pieceSize))

describe('Baidu ERNIE adaptor replaying fixtures built from the API reference', () => {
  test('channel type 15 resolves to ERNIE; models map to endpoints as in new-api, others to their lower-case name', () => {
    expect(providerForChannelType(15)?.chat).toBe(baiduAdaptor)
    expect([baiduEndpoint('ERNIE-4.0-8K'), baiduEndpoint('ERNIE-3.5-8K'), baiduEndpoint('ERNIE-Speed-128K'), baiduEndpoint('ERNIE-4.0-Turbo-8K')]).toEqual(['completions_pro', 'completions', 'ernie-speed-128k', 'ernie-4.0-turbo-8k'])
    const built = baiduAdaptor.buildRequest({ messages: [] }, target)
    expect(built.url).toBe('https://aip.baidubce.com/rpc/2.0/ai_custom/v1/wenxinworkshop/chat/completions_pro')
    expect(built.authorize).toBeFunction()
    expect(built.okBodyFailure).toBeFunction()
  })

  test('request: system in its own field, same-role turns joined, max_tokens and stop carried over', () => {
    const native = baiduAdaptor.toUpstream({
      model: 'x', max_tokens: 100, stop: 'END', temperature: 0.3,
      messages: [{ role: 'system', content: 'be brief' }, { role: 'user', content: 'a' }, { role: 'user', content: [{ type: 'text', text: 'b' }] }, { role: 'assistant', content: 'c' }, { role: 'user', content: 'd' }],
    }, target)
    expect(native).toEqual({ system: 'be brief', messages: [{ role: 'user', content: 'a\n\nb' }, { role: 'assistant', content: 'c' }, { role: 'user', content: 'd' }], stream: true, temperature: 0.3, max_output_tokens: 100, stop: ['END'] })
  })

  test('request: tools become functions, a call and its result become function_call and a function turn', () => {
    const tools = [{ type: 'function', function: { name: 'get_current_weather', description: 'weather', parameters: { type: 'object', properties: { location: { type: 'string' } } } } }]
    const native = baiduAdaptor.toUpstream({
      model: 'x', tools, tool_choice: { type: 'function', function: { name: 'get_current_weather' } },
      messages: [
        { role: 'user', content: '北京天气' },
        { role: 'assistant', content: null, tool_calls: [{ id: 'call_as-1', type: 'function', function: { name: 'get_current_weather', arguments: '{"location":"北京"}' } }] },
        { role: 'tool', tool_call_id: 'call_as-1', content: '{"temperature":25}' },
      ],
    }, target)
    expect(native).toMatchObject({
      functions: [{ name: 'get_current_weather', description: 'weather', parameters: tools[0]!.function.parameters }],
      tool_choice: { type: 'function', function: { name: 'get_current_weather' } },
      messages: [
        { role: 'user', content: '北京天气' },
        { role: 'assistant', content: '', function_call: { name: 'get_current_weather', arguments: '{"location":"北京"}' } },
        { role: 'function', name: 'get_current_weather', content: '{"temperature":25}' },
      ],
    })
    expect(baiduAdaptor.toUpstream({ model: 'x', tools, tool_choice: 'none', messages: [{ role: 'user', content: 'hi' }] }, target).functions).toBeUndefined()
  })

  test('request: images, "required", unknown tool results and a conversation starting with the assistant are refused naming the field', () => {
    const param = (request: Record<string, unknown>) => { try { baiduAdaptor.toUpstream({ model: 'x', ...request } as any, target); return null } catch (error) { return (error as ConversionError).param } }
    expect(param({ messages: [{ role: 'user', content: 'hi' }], tools: [{ type: 'function', function: { name: 'f' } }], tool_choice: 'required' })).toBe('tool_choice')
    expect(param({ messages: [{ role: 'user', content: 'hi' }, { role: 'tool', tool_call_id: 'nope', content: 'x' }] })).toBe('messages[1].tool_call_id')
    expect(param({ messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://x/y.png' } }] }] })).toBe('messages[0].content')
    expect(param({ messages: [{ role: 'assistant', content: 'hi' }] })).toBe('messages')
  })

  for (const pieceSize of awkwardPieceSizes) {
    test(`stream: the results in order, is_end → stop with the usage (pieces of ${pieceSize})`, () => {
      const result = replay(pieceSize)
      expect(assembleChunks(result.chunks).content).toBe('您好，我是文心一言，英文名是ERNIE Bot。我能够与人对话互动，回答问题，协助创作。')
      expect(result.finishReason).toBe('stop')
      expect(result.usage).toMatchObject({ inputTokens: 5, outputTokens: 32 })
    })
  }

  test('function call, stream and non-stream: a tool call with an id made from the answer id, its thoughts as reasoning, tool_calls', () => {
    const streamed = runParser(baiduAdaptor.createStreamParser(target), decodeInPieces(frameAsSse(readFixtureChunks('baidu/ernie-function-call.chunks.txt')), 7))
    const assembled = assembleChunks(streamed.chunks)
    expect(assembled.toolCalls).toEqual([{ id: 'call_as-p2n6xr3kma', name: 'get_current_weather', arguments: '{"location":"北京","unit":"摄氏度"}' }])
    expect(assembled.reasoning).toStartWith('用户想要知道')
    expect([streamed.finishReason, streamed.usage?.outputTokens]).toEqual(['tool_calls', 42])
    const { response } = baiduAdaptor.fromUpstream(readFixtureJson('baidu/ernie-function-call.json'), target)
    expect(response.choices[0]).toMatchObject({ finish_reason: 'tool_calls', message: { content: null, tool_calls: [{ id: 'call_as-cx7x6dbpb3', type: 'function', function: { name: 'get_current_weather', arguments: '{"location":"北京","unit":"摄氏度"}' } }] } })
  })

  test('stream: an error_code event ends the stream with the mapped error', () => {
    expect(() => baiduAdaptor.createStreamParser(target).push({ data: readFixtureText('baidu/ernie-error-18.json') })).toThrow(UpstreamStreamError)
  })

  test('non-stream: result and usage', () => {
    const { response, usage } = baiduAdaptor.fromUpstream(readFixtureJson('baidu/ernie-text.json'), target)
    expect(response.choices[0]).toMatchObject({ finish_reason: 'stop', message: { role: 'assistant', content: expect.stringMatching(/^您好，我是文心一言/) } })
    expect(usage).toMatchObject({ inputTokens: 7, outputTokens: 67 })
  })

  test('errors (HTTP 200 bodies): 110 renews the token, 18 is a retried 429, 17 a quota error, 336003 a 400', () => {
    expect(baiduOkBodyFailure(readFixtureText('baidu/ernie-error-110.json'))).toEqual({ status: 401, renewAuth: true })
    for (const [file, status, retryable, code] of [
      ['baidu/ernie-error-110.json', 401, true, 'invalid_api_key'],
      ['baidu/ernie-error-18.json', 429, true, 'rate_limit_exceeded'],
      ['baidu/ernie-error-17.json', 429, false, 'insufficient_quota'],
      ['baidu/ernie-error-336003.json', 400, false, 'invalid_request'],
    ] as const) {
      expect(baiduOkBodyFailure(readFixtureText(file))?.status).toBe(status)
      expect(baiduAdaptor.mapError(status, readFixtureText(file))).toMatchObject({ status, retryable, code })
    }
    expect(baiduAdaptor.mapError(400, '{"error_code":336007,"error_msg":"the max length of current question is 11200"}')).toMatchObject({ code: 'context_length_exceeded', retryable: false })
    expect(baiduOkBodyFailure(readFixtureText('baidu/ernie-text.json'))).toBeNull()
  })

  test('a key without both parts is refused', () => {
    expect(baiduKeyProblem('only-one')).toContain('APIKey|SecretKey')
    expect(baiduKeyProblem('|secret')).toContain('APIKey')
    expect(baiduKeyProblem('key|secret')).toBeNull()
  })
})

describe('Baidu access tokens', () => {
  const tokenUrl = 'https://aip.baidubce.com/oauth/2.0/token'
  function counting(answers: { status: number; body: string }[]) {
    const urls: string[] = []
    const post: AuthPost = async (url) => {
      urls.push(url)
      const answer = answers.shift() ?? { status: 200, body: readFixtureText('baidu/ernie-token.json') }
      return { status: answer.status, text: async () => answer.body }
    }
    return { urls, post }
  }

  test('concurrent requests share one exchange; the token is reused; renew exchanges again', async () => {
    const key = parseBaiduKey('shared-key|shared-secret')
    const { urls, post } = counting([])
    const tokens = await Promise.all([1, 2, 3].map(() => baiduAccessToken(key, tokenUrl, post)))
    expect(new Set(tokens)).toEqual(new Set(['24.6c5e1ff107f0e8bcef8c46d3424a0e78.2592000.1485516651.282335-8574074']))
    expect(urls).toEqual([`${tokenUrl}?grant_type=client_credentials&client_id=shared-key&client_secret=shared-secret`])
    await baiduAccessToken(key, tokenUrl, post)
    expect(urls.length).toBe(1)
    await baiduAccessToken(key, tokenUrl, post, { renew: true })
    expect(urls.length).toBe(2)
  })

  test('a token is exchanged again shortly before expires_in; a failed exchange names Baidu\'s error and is not cached', async () => {
    const key = parseBaiduKey('expiring-key|expiring-secret')
    let clock = 1_000_000
    const { urls, post } = counting([{ status: 200, body: JSON.stringify({ access_token: 'short', expires_in: 3600 }) }, { status: 401, body: readFixtureText('baidu/ernie-token-error.json') }])
    expect(await baiduAccessToken(key, tokenUrl, post, { now: () => clock })).toBe('short')
    clock += 3_540_000 - 1
    expect(await baiduAccessToken(key, tokenUrl, post, { now: () => clock })).toBe('short')
    clock += 1
    await expect(baiduAccessToken(key, tokenUrl, post, { now: () => clock })).rejects.toThrow('invalid_client: unknown client id')
    expect(await baiduAccessToken(key, tokenUrl, post, { now: () => clock })).toStartWith('24.')
    expect(urls.length).toBe(3)
  })
})
