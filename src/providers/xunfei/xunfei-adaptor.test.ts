import { afterAll, describe, expect, test } from 'bun:test'
import { createHmac } from 'node:crypto'
import { sendOverWebSocket } from '../../channels/websocket-upstream.ts'
import { startMockSpark } from '../../testing/mock-spark.ts'
import { ConversionError } from '../errors.ts'
import { getAdaptor, isPassThrough, providerForChannelType } from '../index.ts'
import { assembleChunks, readFixtureChunks, readFixtureText, runParser } from '../replay-fixture.ts'
import type { UpstreamTarget } from '../types.ts'
import { xunfeiAdaptor } from './xunfei-adaptor.ts'
import { parseXunfeiKey, signXunfeiUrl } from './xunfei-auth.ts'

const credentials = { appId: 'app1', apiSecret: 'secret1', apiKey: 'key1' }
const target: UpstreamTarget = { baseUrl: 'https://spark-api.xf-yun.com', key: 'app1|secret1|key1', model: 'spark', stream: true, other: '', setting: {}, channelType: 18 }
const spark = startMockSpark(credentials)
afterAll(() => spark.stop())

describe('Xunfei Spark adaptor', () => {
  test('the signed URL: HMAC-SHA256 over host, date and request line, wrapped in a base64 authorization, plus date and host', () => {
    const now = Date.parse('2026-01-05T08:00:00Z')
    const url = new URL(signXunfeiUrl('wss://spark-api.xf-yun.com/v3.5/chat', parseXunfeiKey(target.key), now))
    expect(url.origin + url.pathname).toBe('wss://spark-api.xf-yun.com/v3.5/chat')
    expect(url.searchParams.get('date')).toBe('Mon, 05 Jan 2026 08:00:00 GMT')
    expect(url.searchParams.get('host')).toBe('spark-api.xf-yun.com')
    const signature = createHmac('sha256', 'secret1').update('host: spark-api.xf-yun.com\ndate: Mon, 05 Jan 2026 08:00:00 GMT\nGET /v3.5/chat HTTP/1.1').digest('base64')
    expect(Buffer.from(url.searchParams.get('authorization')!, 'base64').toString()).toBe(`api_key="key1", algorithm="hmac-sha256", headers="host date request-line", signature="${signature}"`)
    // Reused within the minute, signed afresh after it.
    expect(signXunfeiUrl('wss://spark-api.xf-yun.com/v3.5/chat', parseXunfeiKey(target.key), now + 30_000)).toBe(url.toString())
    expect(signXunfeiUrl('wss://spark-api.xf-yun.com/v3.5/chat', parseXunfeiKey(target.key), now + 61_000)).not.toBe(url.toString())
  })

  test('buildRequest: ws(s) from the http(s) base URL, the version path, a WebSocket exchange that aggregates only non-stream calls', () => {
    const native = xunfeiAdaptor.toUpstream({ model: 'spark', messages: [{ role: 'user', content: 'hi' }] }, { ...target, other: 'max-32k' })
    expect(native).toEqual({ header: { app_id: 'app1', uid: 'tollgate' }, parameter: { chat: { domain: 'max-32k' } }, payload: { message: { text: [{ role: 'user', content: 'hi' }] } } })
    const streamed = xunfeiAdaptor.buildRequest(native, { ...target, other: 'max-32k' })
    expect(streamed.url).toStartWith('wss://spark-api.xf-yun.com/chat/max-32k?authorization=')
    expect(streamed.websocket?.aggregate).toBe(false)
    expect(xunfeiAdaptor.buildRequest(native, { ...target, baseUrl: 'http://127.0.0.1:9', stream: false }).websocket?.aggregate).toBe(true)
    expect(() => xunfeiAdaptor.toUpstream({ model: 'x', messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:image/png;base64,AA' } }] }] }, target)).toThrow(ConversionError)
    expect(() => xunfeiAdaptor.buildRequest(native, { ...target, other: 'v9' })).toThrow('unknown Xunfei Spark version "v9"')
  })

  test('stream: frames → content, the last frame\'s usage and finish; a function call → one tool call', () => {
    const text = runParser(xunfeiAdaptor.createStreamParser(target), readFixtureChunks('xunfei/spark-text.frames.txt').map((data) => ({ data })))
    expect(assembleChunks(text.chunks).content).toBe('你好！我是讯飞星火认知大模型，很高兴为你服务。')
    expect(text.usage).toMatchObject({ inputTokens: 5, outputTokens: 16 })
    expect(text.finishReason).toBe('stop')
    const call = runParser(xunfeiAdaptor.createStreamParser(target), readFixtureChunks('xunfei/spark-function-call.frames.txt').map((data) => ({ data })))
    expect(assembleChunks(call.chunks).toolCalls).toEqual([{ id: 'call_cht000b41d5@dx18b2f4a1f2bb8f3550_0', name: 'weather', arguments: '{"location":"合肥"}' }])
    expect(call.finishReason).toBe('tool_calls')
  })

  test('error frames: content review 400 not retried, context length 400, no licence 401 retried, others 5xx retried', () => {
    expect(xunfeiAdaptor.mapError(400, readFixtureText('xunfei/spark-error-10013.json'))).toMatchObject({ status: 400, code: 'content_filter', retryable: false })
    expect(xunfeiAdaptor.mapError(400, readFixtureText('xunfei/spark-error-10907.json'))).toMatchObject({ status: 400, code: 'context_length_exceeded', retryable: false })
    expect(xunfeiAdaptor.mapError(401, readFixtureText('xunfei/spark-error-11200.json'))).toMatchObject({ status: 401, type: 'authentication_error', retryable: true })
    expect(xunfeiAdaptor.mapError(500, '{"header":{"code":10110,"message":"busy","sid":"s","status":2}}')).toMatchObject({ status: 500, retryable: true, message: 'busy (code 10110, sid s)' })
  })

  test('transport: a stale date is refused at the handshake (the call rejects); a good one streams the frames as SSE events', async () => {
    const endpoint = `${spark.url.replace('http', 'ws')}/v3.5/chat`
    const native = xunfeiAdaptor.toUpstream({ model: 'spark', messages: [{ role: 'user', content: 'hi' }] }, target)
    const stale = signXunfeiUrl(endpoint, credentials, Date.now() - 10 * 60_000)
    const exchange = xunfeiAdaptor.buildRequest(native, { ...target, baseUrl: spark.url }).websocket!
    await expect(sendOverWebSocket(stale, {}, JSON.stringify(native), exchange, { timeoutMs: 5000 })).rejects.toThrow('WebSocket closed before answering')
    expect(spark.refused.at(-1)).toContain('a valid date')
    const response = await sendOverWebSocket(signXunfeiUrl(endpoint, credentials), {}, JSON.stringify(native), exchange, { timeoutMs: 5000 })
    expect(response.status).toBe(200)
    expect((await response.text()).split('\n\n').filter(Boolean)).toHaveLength(3)
  })

  test('transport: a socket closed before the last frame fails the stream, and fails an aggregated call outright', async () => {
    const endpoint = `${spark.url.replace('http', 'ws')}/v3.5/chat`
    const native = JSON.stringify(xunfeiAdaptor.toUpstream({ model: 'spark', messages: [{ role: 'user', content: 'cut' }] }, target))
    const streamed = xunfeiAdaptor.buildRequest({}, { ...target, baseUrl: spark.url }).websocket!
    const response = await sendOverWebSocket(signXunfeiUrl(endpoint, credentials), {}, native, streamed, { timeoutMs: 5000 })
    expect(response.status).toBe(200)
    await expect(response.text()).rejects.toThrow('WebSocket closed before the last frame')
    const aggregated = xunfeiAdaptor.buildRequest({}, { ...target, baseUrl: spark.url, stream: false }).websocket!
    await expect(sendOverWebSocket(signXunfeiUrl(endpoint, credentials), {}, native, aggregated, { timeoutMs: 5000 })).rejects.toThrow('WebSocket closed before the last frame')
  })

  test('channel type 18 resolves to the Xunfei adaptor, never a pass-through', () => {
    expect(providerForChannelType(18)?.chat).toBe(getAdaptor('xunfei'))
    expect(isPassThrough('openai-chat', 'xunfei')).toBe(false)
  })
})
