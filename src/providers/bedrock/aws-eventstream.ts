import type { SseEvent } from '../types.ts'

/**
 * `application/vnd.amazon.eventstream` framing (Bedrock ConverseStream) ↔ the SseEvent shape the parsers take.
 *
 * One message: total length (u32), headers length (u32), prelude CRC32 (u32), headers, payload, message
 * CRC32 (u32), all big-endian. Decoded events come out as `{event: <:event-type>, data: <payload text>}`;
 * an exception message as `{event: "exception:<:exception-type>", data}` and an error message as
 * `{event: "error:<:error-code>", data: <:error-message>}`, so the Bedrock parser can raise them.
 * Frames may be split anywhere across network chunks; CRCs are checked; a message larger than the bound throws.
 */
export class EventStreamDecodeError extends Error {
  readonly code = 'eventstream_decode_error'
  constructor(message: string) {
    super(message)
    this.name = 'EventStreamDecodeError'
  }
}

const defaultMaxMessageBytes = 32 * 1024 * 1024
const textDecoder = new TextDecoder()
const textEncoder = new TextEncoder()

function crc32(bytes: Uint8Array): number {
  return Bun.hash.crc32(bytes) >>> 0
}

function readHeaders(bytes: Uint8Array, view: DataView, start: number, end: number): Record<string, string> {
  const headers: Record<string, string> = {}
  let offset = start
  while (offset < end) {
    const nameLength = bytes[offset]
    const name = textDecoder.decode(bytes.subarray(offset + 1, offset + 1 + nameLength))
    offset += 1 + nameLength
    const type = bytes[offset++]
    switch (type) {
      case 0: headers[name] = 'true'; break
      case 1: headers[name] = 'false'; break
      case 2: headers[name] = String(view.getInt8(offset)); offset += 1; break
      case 3: headers[name] = String(view.getInt16(offset)); offset += 2; break
      case 4: headers[name] = String(view.getInt32(offset)); offset += 4; break
      case 5: headers[name] = String(view.getBigInt64(offset)); offset += 8; break
      case 6:
      case 7: {
        const length = view.getUint16(offset)
        offset += 2
        headers[name] = type === 7 ? textDecoder.decode(bytes.subarray(offset, offset + length)) : Buffer.from(bytes.subarray(offset, offset + length)).toString('base64')
        offset += length
        break
      }
      case 8: headers[name] = String(view.getBigInt64(offset)); offset += 8; break
      case 9: headers[name] = Buffer.from(bytes.subarray(offset, offset + 16)).toString('hex'); offset += 16; break
      default:
        throw new EventStreamDecodeError(`eventstream header ${name} has unknown value type ${type}`)
    }
  }
  return headers
}

export function createEventStreamDecoder(options: { maxMessageBytes?: number } = {}): { push(chunk: Uint8Array): SseEvent[]; flush(): SseEvent[] } {
  const maxMessageBytes = options.maxMessageBytes ?? defaultMaxMessageBytes
  // Unconsumed bytes live in buffer[start, end); the buffer grows by doubling, so appends are amortised O(1).
  let buffer = new Uint8Array(64 * 1024)
  let start = 0
  let end = 0

  function append(chunk: Uint8Array): void {
    if (end + chunk.length > buffer.length) {
      const pending = end - start
      if (pending + chunk.length <= buffer.length) {
        buffer.copyWithin(0, start, end)
      } else {
        let size = buffer.length
        while (size < pending + chunk.length) size *= 2
        const grown = new Uint8Array(size)
        grown.set(buffer.subarray(start, end))
        buffer = grown
      }
      start = 0
      end = pending
    }
    buffer.set(chunk, end)
    end += chunk.length
  }

  function decodeAvailable(): SseEvent[] {
    const events: SseEvent[] = []
    while (end - start >= 12) {
      const view = new DataView(buffer.buffer, buffer.byteOffset + start, end - start)
      const totalLength = view.getUint32(0)
      const headersLength = view.getUint32(4)
      if (totalLength > maxMessageBytes) throw new EventStreamDecodeError(`eventstream message of ${totalLength} bytes exceeds the ${maxMessageBytes}-byte bound`)
      if (totalLength < 16 + headersLength) throw new EventStreamDecodeError(`eventstream message length ${totalLength} is shorter than its headers`)
      if (crc32(buffer.subarray(start, start + 8)) !== view.getUint32(8)) throw new EventStreamDecodeError('eventstream prelude CRC mismatch')
      if (end - start < totalLength) break
      const message = buffer.subarray(start, start + totalLength)
      if (crc32(message.subarray(0, totalLength - 4)) !== view.getUint32(totalLength - 4)) throw new EventStreamDecodeError('eventstream message CRC mismatch')
      const headers = readHeaders(message, view, 12, 12 + headersLength)
      const payload = textDecoder.decode(message.subarray(12 + headersLength, totalLength - 4))
      const messageType = headers[':message-type'] ?? 'event'
      if (messageType === 'exception') events.push({ event: `exception:${headers[':exception-type'] ?? 'unknown'}`, data: payload })
      else if (messageType === 'error') events.push({ event: `error:${headers[':error-code'] ?? 'unknown'}`, data: headers[':error-message'] ?? payload })
      else events.push({ event: headers[':event-type'] ?? 'unknown', data: payload })
      start += totalLength
    }
    if (start === end) {
      start = 0
      end = 0
    }
    return events
  }

  return {
    push(chunk: Uint8Array): SseEvent[] {
      append(chunk)
      return decodeAvailable()
    },
    flush(): SseEvent[] {
      const events = decodeAvailable()
      if (end > start) throw new EventStreamDecodeError(`eventstream ended inside a message (${end - start} bytes left)`)
      return events
    },
  }
}

/** Frames one event (used by tests and mock upstreams). */
export function encodeEventStreamMessage(headers: Record<string, string>, payload: string): Uint8Array {
  const headerBytes: number[] = []
  for (const [name, value] of Object.entries(headers)) {
    const nameBytes = textEncoder.encode(name)
    const valueBytes = textEncoder.encode(value)
    headerBytes.push(nameBytes.length, ...nameBytes, 7, valueBytes.length >> 8, valueBytes.length & 0xff, ...valueBytes)
  }
  const payloadBytes = textEncoder.encode(payload)
  const totalLength = 16 + headerBytes.length + payloadBytes.length
  const message = new Uint8Array(totalLength)
  const view = new DataView(message.buffer)
  view.setUint32(0, totalLength)
  view.setUint32(4, headerBytes.length)
  view.setUint32(8, crc32(message.subarray(0, 8)))
  message.set(headerBytes, 12)
  message.set(payloadBytes, 12 + headerBytes.length)
  view.setUint32(totalLength - 4, crc32(message.subarray(0, totalLength - 4)))
  return message
}
