import { describe, expect, test } from 'bun:test'
import { parseChunk, readErrorBody, readSseData } from './chat-stream.ts'

function streamOf(parts: string[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder()
  return new ReadableStream({
    start(controller) {
      for (const part of parts) controller.enqueue(encoder.encode(part))
      controller.close()
    },
  })
}

async function collect(parts: string[]): Promise<string[]> {
  const payloads: string[] = []
  for await (const payload of readSseData(streamOf(parts))) payloads.push(payload)
  return payloads
}

describe('chat stream reading', () => {
  test('events split anywhere, with CRLF and comments, come out whole', async () => {
    const wire = ': keep-alive\r\n\r\ndata: {"choices":[{"delta":{"content":"Hel"}}]}\r\n\r\nevent: x\ndata: {"choices":[{"delta":{"content":"lo"}}]}\n\ndata: [DONE]\n\n'
    const pieces = wire.match(/[\s\S]{1,7}/g)!
    expect(await collect(pieces)).toEqual(['{"choices":[{"delta":{"content":"Hel"}}]}', '{"choices":[{"delta":{"content":"lo"}}]}', '[DONE]'])
  })

  test('multi-byte characters cut between chunks are not garbled', async () => {
    const bytes = new TextEncoder().encode('data: {"choices":[{"delta":{"content":"你好"}}]}\n\n')
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let index = 0; index < bytes.length; index += 3) controller.enqueue(bytes.slice(index, index + 3))
        controller.close()
      },
    })
    const payloads: string[] = []
    for await (const payload of readSseData(stream)) payloads.push(payload)
    expect(parseChunk(payloads[0]!)?.content).toBe('你好')
  })

  test('a final event without a trailing blank line is still delivered', async () => {
    expect(await collect(['data: {"a":1}'])).toEqual(['{"a":1}'])
  })

  test('chunks: content, reasoning, usage, finish reason, [DONE] and in-stream errors', () => {
    expect(parseChunk('{"choices":[{"delta":{"content":"hi"},"finish_reason":null}]}')).toEqual({ content: 'hi', reasoning: '', usage: undefined, finishReason: undefined })
    expect(parseChunk('{"choices":[{"delta":{"reasoning_content":"think"}}]}')?.reasoning).toBe('think')
    expect(parseChunk('{"choices":[],"usage":{"prompt_tokens":3,"completion_tokens":5}}')?.usage).toEqual({ prompt_tokens: 3, completion_tokens: 5 })
    expect(parseChunk('{"choices":[{"delta":{},"finish_reason":"stop"}]}')?.finishReason).toBe('stop')
    expect(parseChunk('[DONE]')).toBeNull()
    expect(parseChunk('{"error":{"message":"upstream went away"}}')?.error).toBe('upstream went away')
  })

  test('error bodies: OpenAI shape, envelope shape, plain text', () => {
    expect(readErrorBody('{"error":{"message":"Invalid token","type":"new_api_error"}}', 401)).toBe('Invalid token')
    expect(readErrorBody('{"success":false,"message":"nope"}', 400)).toBe('nope')
    expect(readErrorBody('Bad Gateway', 502)).toBe('HTTP 502: Bad Gateway')
    expect(readErrorBody('', 504)).toBe('HTTP 504')
  })
})
