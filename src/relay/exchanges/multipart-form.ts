import { GatewayError } from '../../errors.ts'

/**
 * multipart/form-data read in place: the parts are ranges of the one body buffer, so an uploaded file is never
 * copied. A body the channel can take as it came (no model mapping, no parameter override) is sent as those same
 * bytes; otherwise only the text fields are written again and the file's range goes along untouched.
 * (Bun's `request.formData()` would copy every file into a Blob of its own, and a Blob has to be copied once more to
 * be sent: two extra copies of a 10 MB upload per request.)
 */

/** One part of the form: its name, and where its headers and its content lie in the body. */
export interface FormPart {
  name: string
  /** Set for a file field (`filename="…"`, possibly empty). */
  filename?: string
  contentType?: string
  /** The part's header lines, after the boundary line: offsets into the body. */
  headerStart: number
  dataStart: number
  dataEnd: number
}

export interface MultipartForm {
  bytes: Uint8Array
  boundary: string
  parts: FormPart[]
}

/** More parts than any audio or image form has; a body with more is refused rather than scanned on. */
const MAX_PARTS = 256
/** Header lines of one part are short; this bounds the search for their end. */
const MAX_PART_HEADER_BYTES = 16 * 1024

const malformed = (reason: string) => new GatewayError(400, `The multipart/form-data body is malformed: ${reason}`, 'invalid_request')
const textDecoder = new TextDecoder()
const textEncoder = new TextEncoder()

/** The boundary of a `multipart/form-data; boundary=…` content type; undefined for any other type. */
export function boundaryOf(contentType: string | null): string | undefined {
  if (!contentType || !/^\s*multipart\/form-data\s*;/i.test(contentType)) return undefined
  const match = /;\s*boundary=(?:"([^"]{1,70})"|([^\s;]{1,70}))/i.exec(contentType)
  return match ? (match[1] ?? match[2]) : undefined
}

function headerParameter(header: string, name: string): string | undefined {
  // `(?:^|;)` keeps `name=` from matching inside `filename=`.
  const match = new RegExp(`(?:^|;)\\s*${name}="((?:[^"\\\\]|\\\\.)*)"`, 'i').exec(header)
  if (match) return match[1]!.replace(/\\(.)/g, '$1')
  const bare = new RegExp(`(?:^|;)\\s*${name}=([^;\\s]+)`, 'i').exec(header)
  return bare?.[1]
}

/** The parts of a multipart body (RFC 7578), as ranges of `bytes`. Throws a 400 GatewayError for a malformed body. */
export function parseMultipart(bytes: Uint8Array, boundary: string): MultipartForm {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const delimiter = Buffer.from(`--${boundary}`)
  // Every delimiter after the first is preceded by CRLF, which belongs to the delimiter, not the part before it.
  const nextDelimiter = Buffer.from(`\r\n--${boundary}`)
  let position = buffer.indexOf(delimiter)
  if (position < 0) throw malformed('the boundary of its content type does not occur in it')
  position += delimiter.length
  const parts: FormPart[] = []
  for (;;) {
    if (buffer[position] === 0x2d && buffer[position + 1] === 0x2d) break
    if (buffer[position] !== 0x0d || buffer[position + 1] !== 0x0a) throw malformed('a boundary line does not end in CRLF')
    const headerStart = position + 2
    const headerEnd = buffer.indexOf('\r\n\r\n', headerStart)
    if (headerEnd < 0 || headerEnd - headerStart > MAX_PART_HEADER_BYTES) throw malformed('a part has no end to its headers')
    const dataStart = headerEnd + 4
    const dataEnd = buffer.indexOf(nextDelimiter, dataStart)
    if (dataEnd < 0) throw malformed('the closing boundary is missing (the upload may have been cut short)')
    let disposition = ''
    let contentType: string | undefined
    for (const line of textDecoder.decode(bytes.subarray(headerStart, headerEnd)).split('\r\n')) {
      const colon = line.indexOf(':')
      const name = line.slice(0, colon).trim().toLowerCase()
      if (name === 'content-disposition') disposition = line.slice(colon + 1)
      else if (name === 'content-type') contentType = line.slice(colon + 1).trim()
    }
    const name = headerParameter(disposition, 'name')
    if (name === undefined) throw malformed('a part has no Content-Disposition name')
    parts.push({ name, filename: headerParameter(disposition, 'filename'), contentType, headerStart, dataStart, dataEnd })
    if (parts.length > MAX_PARTS) throw malformed(`more than ${MAX_PARTS} parts`)
    position = dataEnd + nextDelimiter.length
  }
  return { bytes, boundary, parts }
}

/** A part's content as text (form fields are UTF-8). */
export const partText = (form: MultipartForm, part: FormPart) => textDecoder.decode(form.bytes.subarray(part.dataStart, part.dataEnd))

/** A part's content: a view into the body, not a copy. */
export const partBytes = (form: MultipartForm, part: FormPart) => form.bytes.subarray(part.dataStart, part.dataEnd)

const quoted = (value: string) => value.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('\r', '%0D').replaceAll('\n', '%0A')

/**
 * The form with some text fields set (replacing every part of that name) and the rest as they came, files
 * included. The result is one new buffer: the only copy of the file an upload ever costs, and only when a channel
 * maps the model or overrides parameters.
 */
export function rewriteMultipart(form: MultipartForm, fields: Record<string, string>): Uint8Array<ArrayBuffer> {
  const chunks: Uint8Array[] = []
  for (const part of form.parts) {
    if (part.name in fields) continue
    chunks.push(textEncoder.encode(`--${form.boundary}\r\n`), form.bytes.subarray(part.headerStart, part.dataEnd), textEncoder.encode('\r\n'))
  }
  let text = ''
  for (const name in fields) text += `--${form.boundary}\r\nContent-Disposition: form-data; name="${quoted(name)}"\r\n\r\n${fields[name]}\r\n`
  chunks.unshift(textEncoder.encode(text))
  chunks.push(textEncoder.encode(`--${form.boundary}--\r\n`))
  return Buffer.concat(chunks)
}
