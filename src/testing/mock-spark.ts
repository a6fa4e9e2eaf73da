import { createHmac, timingSafeEqual } from 'node:crypto'
import { readFixtureChunks, readFixtureText } from '../providers/replay-fixture.ts'

/**
 * A local Xunfei Spark, following its WebSocket API reference (https://www.xfyun.cn/doc/spark/Web.html): the
 * handshake is refused unless the URL's `authorization` / `date` / `host` parameters carry a valid HMAC-SHA256
 * signature (recomputed here with the APISecret) of a date at most 300 s old for this host and path, as Spark's
 * gateway refuses it (401 for a bad signature, 403 for a stale date); the request frame's app_id and the domain of the
 * version path are checked; then the answer's frames are sent and the socket closed, as Spark does. Frames come from
 * src/testing/fixtures/upstream/xunfei/. Test support only.
 */

export interface SparkCredentials {
  appId: string
  apiSecret: string
  apiKey: string
}

const domains: Record<string, string> = {
  '/v1.1/chat': 'lite', '/v2.1/chat': 'generalv2', '/v3.1/chat': 'generalv3', '/v3.5/chat': 'generalv3.5',
  '/chat/pro-128k': 'pro-128k', '/chat/max-32k': 'max-32k', '/v4.0/chat': '4.0Ultra',
}

export interface MockSpark {
  url: string
  /** Request frames received, with the path they came on. */
  requests: { path: string; frame: Record<string, any> }[]
  /** Handshakes refused, with why. */
  refused: string[]
  stop(): void
}

function signatureProblem(url: URL, hostHeader: string | null, credentials: SparkCredentials): { status: number; message: string } | null {
  const authorization = url.searchParams.get('authorization')
  const date = url.searchParams.get('date')
  const host = url.searchParams.get('host')
  if (!authorization || !date || !host) return { status: 401, message: 'Unauthorized' }
  if (host !== hostHeader) return { status: 401, message: 'HMAC signature does not match: host' }
  const when = Date.parse(date)
  if (!Number.isFinite(when) || Math.abs(Date.now() - when) > 300_000) {
    return { status: 403, message: 'HMAC signature cannot be verified, a valid date or x-date header is required for HMAC Authentication' }
  }
  const fields = Object.fromEntries([...Buffer.from(authorization, 'base64').toString('utf8').matchAll(/(\w+)="([^"]*)"/g)].map((match) => [match[1], match[2]]))
  if (fields.api_key !== credentials.apiKey) return { status: 401, message: 'HMAC signature does not match: api_key' }
  if (fields.algorithm !== 'hmac-sha256' || fields.headers !== 'host date request-line') return { status: 401, message: 'HMAC signature does not match: algorithm' }
  const expected = createHmac('sha256', credentials.apiSecret).update(`host: ${host}\ndate: ${date}\nGET ${url.pathname} HTTP/1.1`).digest()
  const given = Buffer.from(fields.signature ?? '', 'base64')
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { status: 401, message: 'HMAC signature does not match' }
  return null
}

const frame = (code: number, message: string) => JSON.stringify({ header: { code, message, sid: 'cht000mock@dx0', status: 2 } })

/** What Spark answers to a request frame: frames to send, in order. */
function answer(path: string, request: Record<string, any>, credentials: SparkCredentials): string[] {
  if (request.header?.app_id !== credentials.appId) return [frame(10313, 'app_id and api_key do not match')]
  if (request.parameter?.chat?.domain !== domains[path]) return [frame(10163, `parameter.chat.domain must be ${domains[path]} on ${path}`)]
  const text: { role: string; content: string }[] = request.payload?.message?.text ?? []
  const last = text[text.length - 1]?.content ?? ''
  if (last.includes('audit')) return [readFixtureText('xunfei/spark-error-10013.json').trim()]
  if (last.includes('license')) return [readFixtureText('xunfei/spark-error-11200.json').trim()]
  // A connection lost mid-answer: the first frame, then the socket closes.
  if (last.includes('cut')) return readFixtureChunks('xunfei/spark-text.frames.txt').slice(0, 1)
  if (request.payload?.functions) return readFixtureChunks('xunfei/spark-function-call.frames.txt')
  return readFixtureChunks('xunfei/spark-text.frames.txt')
}

export function startMockSpark(credentials: SparkCredentials): MockSpark {
  const requests: MockSpark['requests'] = []
  const refused: string[] = []
  const server = Bun.serve<{ path: string }, never>({
    port: 0,
    hostname: '127.0.0.1',
    fetch(request, server) {
      const url = new URL(request.url)
      const problem = signatureProblem(url, request.headers.get('host'), credentials)
      if (problem) {
        refused.push(problem.message)
        return Response.json({ message: problem.message }, { status: problem.status })
      }
      if (server.upgrade(request, { data: { path: url.pathname } })) return undefined
      return Response.json({ message: 'expected a WebSocket upgrade' }, { status: 400 })
    },
    websocket: {
      message(socket, message) {
        const request = JSON.parse(String(message)) as Record<string, any>
        requests.push({ path: socket.data.path, frame: request })
        for (const out of answer(socket.data.path, request, credentials)) socket.send(out)
        socket.close(1000)
      },
    },
  })
  return { url: `http://127.0.0.1:${server.port}`, requests, refused, stop: () => server.stop(true) }
}
