import type { UpstreamResponse } from '../net/http1-client.ts'

/** An upstream's JSON answer as text, refused past `maxBytes` (a proxy answering without end must not fill memory). */
export async function readBounded(response: UpstreamResponse, maxBytes: number): Promise<string> {
  if (!response.body) return ''
  const reader = response.body.getReader()
  const decoder = new TextDecoder()
  let text = ''
  let received = 0
  while (true) {
    const { value, done } = await reader.read()
    if (done) break
    received += value.length
    if (received > maxBytes) {
      reader.cancel().catch(() => {})
      throw new Error(`answer larger than ${maxBytes} bytes`)
    }
    text += decoder.decode(value, { stream: true })
  }
  return text + decoder.decode()
}
