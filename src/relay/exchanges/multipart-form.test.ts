import { describe, expect, test } from 'bun:test'
import { GatewayError } from '../../errors.ts'
import { boundaryOf, parseMultipart, partBytes, partText, rewriteMultipart } from './multipart-form.ts'

/** A form as Bun's own encoder writes it, with the content type that names its boundary. */
async function encoded(form: FormData): Promise<{ bytes: Uint8Array; boundary: string }> {
  const response = new Response(form)
  const boundary = boundaryOf(response.headers.get('content-type'))!
  return { bytes: new Uint8Array(await response.arrayBuffer()), boundary }
}

/** Bytes that look like a boundary and CRLFs inside the file: the parser must find the real delimiter only. */
const tricky = new Uint8Array([...new TextEncoder().encode('\r\n--not-the-boundary\r\n\r\n'), 0, 255, 13, 10, 45, 45])

describe('multipart/form-data read in place', () => {
  test('fields and a file, read from what Bun encodes; the file is a view into the body', async () => {
    const form = new FormData()
    form.set('model', 'whisper-1')
    form.set('prompt', 'naïve "quoted" text')
    form.append('timestamp_granularities[]', 'word')
    form.append('timestamp_granularities[]', 'segment')
    form.set('file', new File([tricky], 'my "talk".wav', { type: 'audio/wav' }))
    const { bytes, boundary } = await encoded(form)
    const parsed = parseMultipart(bytes, boundary)
    expect(parsed.parts.map((part) => part.name)).toEqual(['model', 'prompt', 'timestamp_granularities[]', 'timestamp_granularities[]', 'file'])
    expect(partText(parsed, parsed.parts[1]!)).toBe('naïve "quoted" text')
    const file = parsed.parts[4]!
    expect(file.contentType).toBe('audio/wav')
    expect(file.filename).toContain('talk')
    expect(partBytes(parsed, file)).toEqual(tricky)
    expect(partBytes(parsed, file).buffer).toBe(bytes.buffer)
  })

  test('a rewritten form replaces the named fields, keeps the rest and the file byte for byte', async () => {
    const form = new FormData()
    form.set('model', 'alias')
    form.set('language', 'en')
    form.set('file', new File([tricky], 'a.wav', { type: 'audio/wav' }))
    const { bytes, boundary } = await encoded(form)
    const rewritten = rewriteMultipart(parseMultipart(bytes, boundary), { model: 'whisper-1', temperature: '0.2' })
    const decoded = await new Response(rewritten, { headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } }).formData()
    expect(decoded.getAll('model')).toEqual(['whisper-1'])
    expect(decoded.get('temperature')).toBe('0.2')
    expect(decoded.get('language')).toBe('en')
    expect(new Uint8Array(await (decoded.get('file') as File).arrayBuffer())).toEqual(tricky)
  })

  test('the boundary of the content type, quoted or not; none for other types', () => {
    expect(boundaryOf('multipart/form-data; boundary=abc123')).toBe('abc123')
    expect(boundaryOf('multipart/form-data; charset=utf-8; boundary="a b:c"')).toBe('a b:c')
    expect(boundaryOf('application/json')).toBeUndefined()
    expect(boundaryOf('multipart/form-data')).toBeUndefined()
    expect(boundaryOf(null)).toBeUndefined()
  })

  test('a body cut short or without the boundary is a 400 saying what is wrong', async () => {
    const form = new FormData()
    form.set('file', new File([tricky], 'a.wav'))
    const { bytes, boundary } = await encoded(form)
    const refusal = (body: Uint8Array, expected: string) => {
      try {
        parseMultipart(body, boundary)
        throw new Error('accepted')
      } catch (error) {
        expect(error).toBeInstanceOf(GatewayError)
        expect((error as GatewayError).status).toBe(400)
        expect((error as GatewayError).message).toContain(expected)
      }
    }
    refusal(bytes.subarray(0, bytes.length - boundary.length - 8), 'closing boundary is missing')
    refusal(new TextEncoder().encode('no parts here'), 'does not occur')
  })
})
