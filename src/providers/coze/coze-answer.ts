import { isRecord, parseJsonObject } from '../canonical.ts'
import type { JsonObject } from '../canonical.ts'
import { createSseDecoder } from '../sse.ts'
import type { UpstreamAnswer } from '../types.ts'
import { cozeStatus } from './coze-error.ts'

/**
 * Coze's answer as the relay must see it, read before the relay does (the request's `read` step):
 * - a refusal comes as HTTP 200 with a JSON `{code, msg}` instead of the stream: it becomes a failed answer whose
 *   status stands for the code (cozeStatus), so routing retries, counts and maps it like any provider error;
 * - a non-stream client's answer is the stream aggregated into `{chat, messages}`: the chat object of
 *   `conversation.chat.completed` (with its usage) and the `conversation.message.completed` messages, which is what
 *   `/v3/chat/retrieve` and `/v3/chat/message/list` would answer. One request and no polling: create + poll + list
 *   costs three or more calls per answer, a poll interval of latency, and retrieve calls that count against Coze's
 *   rate limit, while the stream ends exactly when the chat does. A chat that fails is a failed answer too.
 */

const jsonAnswer = (status: number, body: JsonObject): UpstreamAnswer => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } })

/** A JSON body where a stream should be: the refusal as a failed answer (code 0 with no stream is Coze's fault). */
function refusal(text: string): UpstreamAnswer {
  const body = parseJsonObject(text) ?? { code: 5000, msg: `Coze answered without a stream: ${text.slice(0, 200)}` }
  const code = typeof body.code === 'number' && body.code !== 0 ? body.code : 5000
  return jsonAnswer(cozeStatus(code), body)
}

/** The whole stream as `{chat, messages}`, or the failed answer of a chat that failed. */
async function aggregate(answer: UpstreamAnswer): Promise<UpstreamAnswer> {
  const decoder = createSseDecoder()
  const messages: JsonObject[] = []
  let chat: JsonObject | undefined
  const take = (events: ReturnType<typeof decoder.push>): UpstreamAnswer | undefined => {
    for (const event of events) {
      const data = parseJsonObject(event.data)
      if (!data) continue
      if (event.event === 'conversation.message.completed') messages.push(data)
      else if (event.event === 'conversation.chat.completed') chat = data
      else if (event.event === 'conversation.chat.failed') {
        const error = isRecord(data.last_error) ? data.last_error : {}
        return jsonAnswer(typeof error.code === 'number' ? cozeStatus(error.code) : 502, data)
      } else if (event.event === 'error') return jsonAnswer(typeof data.code === 'number' ? cozeStatus(data.code) : 502, data)
    }
    return undefined
  }
  const reader = answer.body!.getReader()
  for (;;) {
    const { value, done } = await reader.read()
    const failed = take(done ? decoder.flush() : decoder.push(value))
    if (failed) {
      reader.cancel().catch(() => {})
      return failed
    }
    if (done) break
  }
  if (!chat) return jsonAnswer(502, { code: 5000, msg: 'Coze ended the stream before the chat completed' })
  return jsonAnswer(200, { chat, messages })
}

export async function readCozeAnswer(answer: UpstreamAnswer, stream: boolean): Promise<UpstreamAnswer> {
  if (!answer.ok || !answer.body) return answer
  if (answer.headers.get('content-type')?.includes('application/json')) return refusal(await answer.text())
  return stream ? answer : aggregate(answer)
}
