/**
 * Smallest byte sequences whose headers carry given dimensions, for tests (image readers only parse headers).
 * Pixel data is absent or zero: these are not displayable images.
 */

export function pngHeader(width: number, height: number, padding = 0): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(33 + padding)
  bytes.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 0)
  const view = new DataView(bytes.buffer)
  view.setUint32(8, 13)
  bytes.set([0x49, 0x48, 0x44, 0x52], 12) // IHDR
  view.setUint32(16, width)
  view.setUint32(20, height)
  bytes.set([8, 6, 0, 0, 0], 24) // bit depth, colour type, compression, filter, interlace
  return bytes
}

export function gifHeader(width: number, height: number): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(13)
  bytes.set(new TextEncoder().encode('GIF89a'), 0)
  const view = new DataView(bytes.buffer)
  view.setUint16(6, width, true)
  view.setUint16(8, height, true)
  return bytes
}

/** JPEG whose frame header (SOF0) comes after `exifPadding` bytes of APPn data, as in camera photos. */
export function jpegHeader(width: number, height: number, exifPadding = 16): Uint8Array<ArrayBuffer> {
  // A segment length is 16 bits (and counts itself), so long padding takes several APP1 segments.
  const segments: number[] = []
  for (let left = exifPadding; left > 0; left -= 65_533) segments.push(Math.min(left, 65_533))
  const bytes = new Uint8Array(2 + segments.reduce((sum, size) => sum + 4 + size, 0) + 2 + 17)
  const view = new DataView(bytes.buffer)
  bytes.set([0xff, 0xd8], 0) // SOI
  let offset = 2
  for (const size of segments) {
    bytes.set([0xff, 0xe1], offset) // APP1
    view.setUint16(offset + 2, size + 2)
    offset += 4 + size
  }
  bytes.set([0xff, 0xc0], offset) // SOF0
  view.setUint16(offset + 2, 17)
  bytes[offset + 4] = 8
  view.setUint16(offset + 5, height)
  view.setUint16(offset + 7, width)
  bytes[offset + 9] = 3
  return bytes
}

export function toDataUrl(bytes: Uint8Array, mediaType = 'image/png'): string {
  return `data:${mediaType};base64,${Buffer.from(bytes).toString('base64')}`
}
