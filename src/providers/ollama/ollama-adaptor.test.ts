import { describe, expect, test } from 'bun:test'
import { ConversionError } from '../errors.ts'
import { createUpstreamDecoder, getAdaptor, isPassThrough, providerForChannelType } from '../index.ts'
import { assembleChunks, awkwardPieceSizes, readFixtureJson, readFixtureText, runParser } from '../replay-fixture.ts'
import type { SseEvent, UpstreamTarget } from '../types.ts'
import { ollamaAdaptor } from './ollama-adaptor.ts'
import { ollamaEmbeddings, ollamaModelList } from './ollama-capabilities.ts'

const target: UpstreamTarget = { baseUrl: 'http://ollama.local:11434', key: '', model: 'llama3.2', stream: true, other: '', setting: {}, channelType: 4 }

/** The NDJSON bytes of a fixture cut into pieces, through the decoder the relay picks for Ollama. */
function decode(path: string, pieceSize: number): SseEvent[] {
  const bytes = new TextEncoder().encode(readFixtureText(path))
  const decoder = createUpstreamDecoder('ollama')
  const events: SseEvent[] = []
  for (let offset = 0; offset < bytes.length; offset += pieceSize) events.push(...decoder.push(bytes.subarray(offset, offset + pieceSize)))
  events.push(...decoder.flush())
  return events
}

describe('Ollama native adaptor', () => {
  for (const pieceSize of awkwardPieceSizes) {
    test(`NDJSON text stream: content, done_reason stop, prompt_eval_count / eval_count as usage (pieces of ${pieceSize})`, () => {
      const result = runParser(ollamaAdaptor.createStreamParser(target), decode('ollama/ollama-chat-text.ndjson', pieceSize))
      expect(assembleChunks(result.chunks).content).toBe('The sky is blue because of Rayleigh scattering.')
      expect(result.finishReason).toBe('stop')
      expect(result.usage).toMatchObject({ inputTokens: 26, outputTokens: 9 })
    })
  }

  test('a streamed tool call arrives whole with object arguments: one indexed call with an id, finish tool_calls', () => {
    const result = runParser(ollamaAdaptor.createStreamParser(target), decode('ollama/ollama-chat-tool-call.ndjson', 5))
    expect(assembleChunks(result.chunks).toolCalls).toEqual([{ id: 'call_0', name: 'get_weather', arguments: '{"city":"Paris","unit":"celsius"}' }])
    expect(result.finishReason).toBe('tool_calls')
    expect(result.usage).toMatchObject({ inputTokens: 168, outputTokens: 22 })
  })

  test('an error line mid-stream ends it as an upstream error', () => {
    const parser = ollamaAdaptor.createStreamParser(target)
    parser.push({ data: '{"model":"llama3.2","message":{"role":"assistant","content":"Hi"},"done":false}' })
    expect(() => parser.push({ data: '{"error":"an error was encountered while running the model"}' })).toThrow('an error was encountered')
  })

  test('non-stream answer: content, thinking as reasoning_content, usage; tool calls with arguments as JSON text', () => {
    const { response, usage } = ollamaAdaptor.fromUpstream(readFixtureJson('ollama/ollama-chat.json'), target)
    expect((response.choices[0] as any).message).toEqual({ role: 'assistant', content: 'The sky is blue because of Rayleigh scattering.', reasoning_content: 'Short factual answer.' })
    expect(usage).toMatchObject({ inputTokens: 26, outputTokens: 9 })
    const tools = ollamaAdaptor.fromUpstream(readFixtureJson('ollama/ollama-chat-tool-call.json'), target).response.choices[0] as any
    expect(tools.finish_reason).toBe('tool_calls')
    expect(tools.message.tool_calls).toEqual([{ id: 'call_0', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris","unit":"celsius"}' } }])
  })

  test('request: sampling into options (max_tokens → num_predict), tools as sent, images as base64, tool results named, json format', () => {
    const native = ollamaAdaptor.toUpstream({
      model: 'x', temperature: 0.2, top_p: 0.9, max_tokens: 64, seed: 7, stop: 'END', response_format: { type: 'json_object' },
      tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: {} } } }],
      messages: [
        { role: 'developer', content: 'Be brief.' },
        { role: 'user', content: [{ type: 'text', text: 'What is this?' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0K' } }] },
        { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
        { role: 'tool', tool_call_id: 'c1', content: '18 C' },
      ],
    }, target)
    expect(native).toEqual({
      model: 'llama3.2', stream: true, format: 'json',
      options: { temperature: 0.2, top_p: 0.9, seed: 7, num_predict: 64, stop: ['END'] },
      tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: {} } } }],
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'What is this?', images: ['iVBORw0K'] },
        { role: 'assistant', content: '', tool_calls: [{ function: { name: 'get_weather', arguments: { city: 'Paris' } } }] },
        { role: 'tool', content: '18 C', tool_name: 'get_weather' },
      ],
    })
    const request = ollamaAdaptor.buildRequest(native, target)
    expect(request.url).toBe('http://ollama.local:11434/api/chat')
    expect(request.headers.authorization).toBeUndefined()
    expect(ollamaAdaptor.buildRequest(native, { ...target, key: 'proxy-key' }).headers.authorization).toBe('Bearer proxy-key')
  })

  test('a remote image URL is refused naming the part (Ollama takes base64 only)', () => {
    const call = () => ollamaAdaptor.toUpstream({ model: 'x', messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://example.com/a.png' } }] }] }, target)
    expect(call).toThrow(ConversionError)
    expect(call).toThrow('messages[0].content[0]')
  })

  test('errors: a model not pulled is model_not_found (another channel may have it), a bad body is a 400 not retried', () => {
    expect(ollamaAdaptor.mapError(404, readFixtureText('ollama/ollama-404-model.json'))).toMatchObject({ status: 404, code: 'model_not_found', message: "model 'llama9' not found, try pulling it first", retryable: true })
    expect(ollamaAdaptor.mapError(400, '{"error":"invalid options"}')).toMatchObject({ type: 'invalid_request_error', retryable: false })
    expect(ollamaAdaptor.mapError(500, '{"error":{"message":"boom","type":"api_error"}}')).toMatchObject({ message: 'boom', retryable: true })
  })

  test('embeddings via /api/embed and the model list from /api/tags', () => {
    const request = ollamaEmbeddings.request({ model: 'x', input: ['a', 'b'] }, { ...target, model: 'all-minilm' })
    expect(request.url).toBe('http://ollama.local:11434/api/embed')
    expect(JSON.parse(request.body!)).toEqual({ model: 'all-minilm', input: ['a', 'b'] })
    const parsed = ollamaEmbeddings.parse(readFixtureJson('ollama/ollama-embed.json'))
    expect(parsed.vectors).toHaveLength(2)
    expect(parsed.usage).toMatchObject({ inputTokens: 8 })
    expect(ollamaModelList.request(target).url).toBe('http://ollama.local:11434/api/tags')
    expect(ollamaModelList.parse(readFixtureJson('ollama/ollama-tags.json'))).toEqual(['llama3.2:latest', 'all-minilm:latest'])
  })

  test('channel type 4 is the native Ollama provider, never a pass-through; completions stay OpenAI-format', () => {
    const provider = providerForChannelType(4)!
    expect(provider.chat).toBe(getAdaptor('ollama'))
    expect(isPassThrough('openai-chat', 'ollama')).toBe(false)
    expect(provider.openAiEndpoints?.paths?.has('/v1/completions')).toBe(true)
    expect(provider.openAiEndpoints?.paths?.has('/v1/embeddings')).toBe(false)
  })
})
