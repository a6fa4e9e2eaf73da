import { createHash } from 'node:crypto'
import { parseDataUrl, parseJsonObject } from '../canonical.ts'
import type { JsonObject } from '../canonical.ts'
import type { PrepareIo, PreparedBody, RequestPreparer, UpstreamAnswer, UpstreamTarget } from '../types.ts'
import { joinUrl } from '../url.ts'
import type { DifyContinuation, DifyFile } from './convert-to-dify-request.ts'

/**
 * The asynchronous step before a Dify chat request (run by the channel client, see RequestPreparer):
 * 1. the conversation: the turn's `previous` key is looked up in the shared state; when Dify holds that
 *    conversation the turn sends its id and only the last user message, otherwise the folded history;
 * 2. images given as data URLs are uploaded through `POST /v1/files/upload` (multipart, with the same `user`) and
 *    sent as `upload_file_id`s (http URLs go as `remote_url`, no upload);
 * 3. the answer's `conversation_id` is remembered under the turn's `next` key, so the client's next turn (this
 *    history plus one more user message) continues it.
 * Keys hash the app key (one Dify app per key; the key itself is never stored), the Dify user and the conversation
 * hash, so apps and users never share an entry.
 */

/** How long a conversation id is remembered after its last turn. */
export const CONVERSATION_TTL_SECONDS = 24 * 3600

const stateKey = (target: UpstreamTarget, user: string, conversation: string) =>
  `dify:${createHash('sha256').update(target.key).update('\u0000').update(user).update('\u0000').update(conversation).digest('base64url')}`

/** `"conversation_id": "<id>"` as a top-level field of a Dify answer or event (a JSON-escaped copy inside text never matches). */
const conversationIdPattern = /"conversation_id"\s*:\s*"([^"\\]+)"/

/** The upload's answer: the file id, or the failed answer the request then fails with (read by mapDifyError). */
async function upload(io: PrepareIo, target: UpstreamTarget, user: string, file: DifyFile): Promise<DifyFile | UpstreamAnswer> {
  const data = parseDataUrl(file.url!)!
  const form = new FormData()
  form.append('user', user)
  form.append('file', new Blob([Buffer.from(data.data, 'base64')], { type: data.mediaType }), `image.${data.mediaType.slice(6)}`)
  // Serialised by Bun's own multipart writer, boundary and all.
  const encoded = new Request('http://multipart.invalid/', { method: 'POST', body: form })
  const headers = { authorization: `Bearer ${target.key}`, 'content-type': encoded.headers.get('content-type')! }
  const response = await io.post(joinUrl(target.baseUrl, '/v1/files/upload'), headers, new Uint8Array(await encoded.arrayBuffer()))
  const text = await response.text()
  if (response.status < 200 || response.status >= 300) return new Response(text, { status: response.status, headers: { 'content-type': 'application/json' } })
  const id = parseJsonObject(text)?.id
  if (typeof id === 'string') return { type: 'image', transfer_mode: 'local_file', upload_file_id: id }
  return Response.json({ code: 'bad_upload_answer', message: `Dify's file upload answered without a file id: ${text.slice(0, 200)}`, status: 502 }, { status: 502 })
}

/** The answer with its bytes passing through a scan for the conversation id (stopped once found). */
function tapConversationId(answer: UpstreamAnswer, found: (id: string) => void): UpstreamAnswer {
  if (!answer.body) return answer
  const decoder = new TextDecoder()
  let window = ''
  let done = false
  const body = answer.body.pipeThrough(new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      if (!done) {
        window = window.slice(-256) + decoder.decode(chunk, { stream: true })
        const match = conversationIdPattern.exec(window)
        if (match) {
          done = true
          found(match[1]!)
        }
      }
      controller.enqueue(chunk)
    },
  }))
  const read = () => new Response(body).text()
  return { status: answer.status, statusText: answer.statusText, ok: answer.ok, headers: answer.headers, body, text: read, json: async () => JSON.parse(await read()) }
}

export function createDifyPreparer(body: JsonObject, continuation: DifyContinuation | undefined, target: UpstreamTarget): RequestPreparer {
  return async (io): Promise<PreparedBody> => {
    const user = String(body.user)
    let conversationId: string | undefined
    const previousKey = continuation?.previous ? stateKey(target, user, continuation.previous) : undefined
    // A state store that cannot answer costs the conversation, not the request: the history goes folded.
    if (previousKey) conversationId = await io.state.get(previousKey).catch(() => undefined) || undefined
    let sent: JsonObject = conversationId && continuation
      ? { ...body, query: continuation.query, files: continuation.files, conversation_id: conversationId }
      : body
    const files = Array.isArray(sent.files) ? sent.files as DifyFile[] : []
    if (files.some((file) => file.url?.startsWith('data:'))) {
      const uploaded = await Promise.all(files.map((file) => (file.url?.startsWith('data:') ? upload(io, target, user, file) : file)))
      const failed = uploaded.find((file): file is UpstreamAnswer => 'status' in file)
      if (failed) return { body: '', answer: failed }
      sent = { ...sent, files: uploaded }
    }
    const nextKey = continuation ? stateKey(target, user, continuation.next) : undefined
    return {
      body: JSON.stringify(sent),
      async read(answer) {
        if (!answer.ok) {
          // A 404 on a continued turn: Dify no longer has the conversation (deleted, expired). Forget it, so the
          // client's retry goes folded; other failures leave a good conversation alone.
          if (answer.status === 404 && previousKey && conversationId) await io.state.set(previousKey, '', 1).catch(() => {})
          return answer
        }
        if (!nextKey) return answer
        return tapConversationId(answer, (id) => { io.state.set(nextKey, id, CONVERSATION_TTL_SECONDS).catch(() => {}) })
      },
    }
  }
}
