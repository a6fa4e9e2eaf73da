import { describe, expect, test } from 'bun:test'
import { ConversionError, UpstreamStreamError } from '../errors.ts'
import { getAdaptor, isPassThrough, providerForChannelType } from '../index.ts'
import { assembleChunks, awkwardPieceSizes, decodeInPieces, frameAsSse, readFixtureChunks, readFixtureJson, readFixtureText, runParser } from '../replay-fixture.ts'
import type { UpstreamTarget } from '../types.ts'
import { tc3Authorization, tc3CanonicalRequest, tc3Signature } from './tc3-sign.ts'
import { tencentAdaptor } from './tencent-adaptor.ts'
import { tencentOkBodyFailure } from './tencent-error.ts'
import { tencentKeyProblem } from './tencent-key.ts'

const target: UpstreamTarget = { baseUrl: 'https://hunyuan.tencentcloudapi.com', key: '1300000000|AKIDexampleSecretId|exampleSecretKey', model: 'hunyuan-turbo', stream: true, other: '', setting: {}, channelType: 23 }
const replay = (path: string, pieceSize: number) => runParser(tencentAdaptor.createStreamParser(target), decodeInPieces(frameAsSse(readFixtureChunks(path)), pieceSize))

describe('TC3-HMAC-SHA256', () => {
  // The worked example of Tencent Cloud's "Signature v3" page (https://www.tencentcloud.com/document/api/213/30654).
  const example = {
    secretId: 'AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE', secretKey: 'Gu5t9xGARNpq86cd98joQYCN3EXAMPLE', service: 'cvm', host: 'cvm.tencentcloudapi.com',
    contentType: 'application/json; charset=utf-8', body: '{"Limit": 1, "Filters": [{"Values": ["\\u672a\\u547d\\u540d"], "Name": "instance-name"}]}', timestamp: 1551113065,
  }
  test('reproduces the documented canonical request, signature and Authorization', () => {
    expect(tc3CanonicalRequest(example)).toBe('POST\n/\n\ncontent-type:application/json; charset=utf-8\nhost:cvm.tencentcloudapi.com\n\ncontent-type;host\n35e9c5b0e3ae67532d3c9f17ead6c90222632e5b1ff7f6e89887f1398934f064')
    expect(tc3Signature(example)).toBe('72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168')
    expect(tc3Authorization(example)).toBe('TC3-HMAC-SHA256 Credential=AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE/2019-02-25/cvm/tc3_request, SignedHeaders=content-type;host, Signature=72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168')
  })
})

describe('Tencent Hunyuan adaptor replaying fixtures built from the API reference', () => {
  test('channel type 23 resolves to Hunyuan, never a pass-through', () => {
    expect(providerForChannelType(23)?.chat).toBe(tencentAdaptor)
    expect(getAdaptor('tencent-hunyuan')).toBe(tencentAdaptor)
    expect(isPassThrough('openai-chat', 'tencent-hunyuan')).toBe(false)
  })

  test('request: PascalCase messages, tool history, function tools with Parameters as text, a named tool as CustomTool', () => {
    const tools = [{ type: 'function', function: { name: 'get_current_weather', description: 'weather', parameters: { type: 'object', properties: { location: { type: 'string' } } } } }]
    const native = tencentAdaptor.toUpstream({
      model: 'x', temperature: 0.5, top_p: 0.9, tools, tool_choice: { type: 'function', function: { name: 'get_current_weather' } },
      messages: [
        { role: 'system', content: 'be brief' }, { role: 'user', content: [{ type: 'text', text: 'weather?' }] },
        { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_current_weather', arguments: '{"location":"北京"}' } }] },
        { role: 'tool', tool_call_id: 'call_1', content: 'sunny' },
      ],
    }, target)
    expect(native).toMatchObject({
      Model: 'hunyuan-turbo', Stream: true, Temperature: 0.5, TopP: 0.9, ToolChoice: 'custom',
      Messages: [
        { Role: 'system', Content: 'be brief' }, { Role: 'user', Content: 'weather?' },
        { Role: 'assistant', Content: '', ToolCalls: [{ Id: 'call_1', Type: 'function', Function: { Name: 'get_current_weather', Arguments: '{"location":"北京"}' } }] },
        { Role: 'tool', Content: 'sunny', ToolCallId: 'call_1' },
      ],
    })
    expect((native.Tools as any)[0]).toEqual({ Type: 'function', Function: { Name: 'get_current_weather', Description: 'weather', Parameters: JSON.stringify(tools[0]!.function.parameters) } })
    expect(native.CustomTool).toEqual((native.Tools as any)[0])
  })

  test('request: images, "required" and unknown roles are refused naming the field', () => {
    const refuse = (request: Record<string, unknown>) => { try { tencentAdaptor.toUpstream({ model: 'x', ...request } as any, target); return null } catch (error) { return error as ConversionError } }
    expect(refuse({ messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://x/y.png' } }] }] })?.param).toBe('messages[0].content')
    expect(refuse({ messages: [{ role: 'user', content: 'hi' }], tools: [{ type: 'function', function: { name: 'f' } }], tool_choice: 'required' })?.param).toBe('tool_choice')
    expect(refuse({ messages: [{ role: 'function', content: 'x' }] })?.param).toBe('messages[0].role')
  })

  test('buildRequest: POST / with the action, version, timestamp and a TC3 signature over the exact body; other is the region', () => {
    const built = tencentAdaptor.buildRequest({ Model: 'hunyuan-turbo', Messages: [] }, { ...target, other: 'ap-guangzhou' })
    expect(built.url).toBe('https://hunyuan.tencentcloudapi.com/')
    expect(built.headers).toMatchObject({ 'content-type': 'application/json', 'x-tc-action': 'ChatCompletions', 'x-tc-version': '2023-09-01', 'x-tc-region': 'ap-guangzhou' })
    const timestamp = Number(built.headers['x-tc-timestamp'])
    expect(built.headers.authorization).toBe(tc3Authorization({ secretId: 'AKIDexampleSecretId', secretKey: 'exampleSecretKey', service: 'hunyuan', host: 'hunyuan.tencentcloudapi.com', contentType: 'application/json', body: built.body, timestamp }))
    expect(built.okBodyFailure).toBeFunction()
  })

  for (const pieceSize of awkwardPieceSizes) {
    test(`stream: text in order, stop, the last running usage billed (pieces of ${pieceSize})`, () => {
      const result = replay('tencent/hunyuan-text.chunks.txt', pieceSize)
      expect(assembleChunks(result.chunks).content).toBe('你好！有什么我可以帮你的吗？')
      expect(result.finishReason).toBe('stop')
      expect(result.usage).toMatchObject({ inputTokens: 3, outputTokens: 9 })
    })
  }

  test('stream: a whole tool call in one delta → an indexed tool-call chunk, tool_calls', () => {
    const result = replay('tencent/hunyuan-tool-call.chunks.txt', 5)
    expect(assembleChunks(result.chunks).toolCalls).toEqual([{ id: 'call_cp7hm6s2v4h8ua6b3ug0', name: 'get_current_weather', arguments: '{"location":"北京"}' }])
    expect(result.finishReason).toBe('tool_calls')
    expect(result.usage).toMatchObject({ inputTokens: 182, outputTokens: 22 })
  })

  test('stream: an event carrying Error ends the stream with the mapped error', () => {
    const parser = tencentAdaptor.createStreamParser(target)
    expect(() => parser.push({ data: readFixtureText('tencent/hunyuan-limit-exceeded.json') })).toThrow(UpstreamStreamError)
  })

  test('non-stream: text and usage; a tool call answer', () => {
    const text = tencentAdaptor.fromUpstream(readFixtureJson('tencent/hunyuan-text.json'), target)
    expect((text.response.choices[0] as any).message.content).toBe('你好！有什么我可以帮你的吗？')
    expect(text.usage).toMatchObject({ inputTokens: 3, outputTokens: 9 })
    const tool = tencentAdaptor.fromUpstream(readFixtureJson('tencent/hunyuan-tool-call.json'), target)
    expect(tool.response.choices[0]).toMatchObject({ finish_reason: 'tool_calls', message: { content: null, tool_calls: [{ id: 'call_cp7hm6s2v4h8ua6b3ug0', type: 'function', function: { name: 'get_current_weather', arguments: '{"location":"北京"}' } }] } })
  })

  test('errors (HTTP 200 bodies): AuthFailure → 401 retried elsewhere, RequestLimitExceeded → 429, in arrears → quota, not retried', () => {
    for (const [file, status, retryable, code] of [
      ['tencent/hunyuan-auth-failure.json', 401, true, 'invalid_api_key'],
      ['tencent/hunyuan-limit-exceeded.json', 429, true, 'rate_limit_exceeded'],
      ['tencent/hunyuan-in-arrears.json', 429, false, 'insufficient_quota'],
    ] as const) {
      const body = readFixtureText(file)
      expect(tencentOkBodyFailure(body)).toEqual({ status })
      expect(tencentAdaptor.mapError(status, body)).toMatchObject({ status, retryable, code })
    }
    expect(tencentAdaptor.mapError(400, '{"Response":{"Error":{"Code":"InvalidParameterValue.Model","Message":"模型不存在"}}}')).toMatchObject({ status: 400, retryable: false, message: '模型不存在 (InvalidParameterValue.Model)' })
    expect(tencentOkBodyFailure(readFixtureText('tencent/hunyuan-text.json'))).toBeNull()
  })

  test('a key without its three parts is refused, naming the missing part', () => {
    expect(tencentKeyProblem('AKID|secret')).toContain('three parts')
    expect(tencentKeyProblem('123||secret')).toContain('SecretId')
    expect(tencentKeyProblem('123|AKID|secret')).toBeNull()
  })
})
