import { readFixtureText } from '../providers/replay-fixture.ts'

/**
 * A local Ollama server following its API reference (github.com/ollama/ollama docs/api.md): `POST /api/chat` (NDJSON
 * stream, or one object with `stream: false`), `POST /api/embed`, `GET /api/tags`, `POST /api/pull` (NDJSON progress
 * or one `{"status":"success"}`), `DELETE /api/delete`, `GET /api/version`, and the OpenAI-compatible
 * `POST /v1/completions`. Answers come from src/testing/fixtures/upstream/ollama/. Like a reverse proxy guarding a
 * server, it refuses a call without `Authorization: Bearer <key>` when started with a key. A model outside `models`
 * answers 404 as Ollama does. Test support only.
 */
export interface MockOllama {
  url: string
  calls: { method: string; path: string; authorization: string | null; body: Record<string, any> | null }[]
  /** Models on the server (pull adds, delete removes). */
  models: Set<string>
  stop(): void
}

const ndjson = (file: string) => new Response(readFixtureText(file), { headers: { 'content-type': 'application/x-ndjson' } })
const json = (file: string, status = 200) => new Response(readFixtureText(file), { status, headers: { 'content-type': 'application/json' } })
const notFound = (model: string) => Response.json({ error: `model '${model}' not found, try pulling it first` }, { status: 404 })

export function startMockOllama(options: { key?: string; models: string[] }): MockOllama {
  const calls: MockOllama['calls'] = []
  const models = new Set(options.models)
  const has = (model: unknown) => typeof model === 'string' && (models.has(model) || models.has(`${model}:latest`))
  const server = Bun.serve({
    port: 0,
    hostname: '127.0.0.1',
    async fetch(request) {
      const url = new URL(request.url)
      const text = request.method === 'GET' ? '' : await request.text()
      const body = text ? JSON.parse(text) as Record<string, any> : null
      calls.push({ method: request.method, path: url.pathname, authorization: request.headers.get('authorization'), body })
      if (options.key && request.headers.get('authorization') !== `Bearer ${options.key}`) return new Response('Unauthorized', { status: 401 })
      const route = `${request.method} ${url.pathname}`
      switch (route) {
        case 'POST /api/chat': {
          if (!has(body?.model)) return notFound(String(body?.model))
          const tools = Array.isArray(body?.tools) && body.tools.length > 0
          if (body?.stream === false) return json(tools ? 'ollama/ollama-chat-tool-call.json' : 'ollama/ollama-chat.json')
          return ndjson(tools ? 'ollama/ollama-chat-tool-call.ndjson' : 'ollama/ollama-chat-text.ndjson')
        }
        case 'POST /api/embed':
          return has(body?.model) ? json('ollama/ollama-embed.json') : notFound(String(body?.model))
        case 'GET /api/tags':
          return Response.json({ models: [...models].map((name) => ({ name, model: name, size: 1, digest: 'sha256:0', details: {} })) })
        case 'POST /api/pull':
          if (String(body?.model).startsWith('missing')) return Response.json({ error: 'pull model manifest: file does not exist' }, { status: 500 })
          // A download that fails after it started: an error line inside the 200 stream.
          if (String(body?.model).startsWith('broken')) return new Response('{"status":"pulling manifest"}\n{"error":"max retries exceeded: unexpected EOF"}\n', { headers: { 'content-type': 'application/x-ndjson' } })
          models.add(String(body?.model).includes(':') ? String(body?.model) : `${body?.model}:latest`)
          return body?.stream === false ? Response.json({ status: 'success' }) : ndjson('ollama/ollama-pull.ndjson')
        case 'DELETE /api/delete':
          if (!has(body?.model)) return notFound(String(body?.model))
          models.delete(body!.model)
          models.delete(`${body!.model}:latest`)
          return new Response(null, { status: 200 })
        case 'GET /api/version':
          return Response.json({ version: '0.12.6' })
        case 'POST /v1/completions':
          if (!has(body?.model)) return Response.json({ error: { message: `model "${body?.model}" not found, try pulling it first`, type: 'api_error', param: null, code: null } }, { status: 404 })
          if (body!.stream) {
            const chunk = (fields: Record<string, unknown>) => `data: ${JSON.stringify({ id: 'cmpl-1', object: 'text_completion', created: 1760688000, model: body!.model, system_fingerprint: 'fp_ollama', ...fields })}\n\n`
            const usage = body!.stream_options?.include_usage ? chunk({ choices: [], usage: { prompt_tokens: 6, completion_tokens: 2, total_tokens: 8 } }) : ''
            return new Response(chunk({ choices: [{ text: 'blue', index: 0, finish_reason: null }] }) + chunk({ choices: [{ text: '.', index: 0, finish_reason: 'stop' }] }) + usage + 'data: [DONE]\n\n', { headers: { 'content-type': 'text/event-stream' } })
          }
          return Response.json({ id: 'cmpl-1', object: 'text_completion', created: 1760688000, model: body!.model, system_fingerprint: 'fp_ollama', choices: [{ text: 'blue.', index: 0, finish_reason: 'stop' }], usage: { prompt_tokens: 6, completion_tokens: 2, total_tokens: 8 } })
        default:
          return new Response('404 page not found', { status: 404 })
      }
    },
  })
  return { url: `http://127.0.0.1:${server.port}`, calls, models, stop: () => server.stop(true) }
}
