/**
 * Image prompt tokens for OpenAI vision models, and reading an image's dimensions from a `data:` URL (header bytes
 * only) or an http(s) URL (fetched under the SSRF guard, a size cap and a timeout, stopping once the header parses).
 *
 * Tile models (OpenAI's published method): fit the image inside 2048x2048, then scale it down so its shortest side
 * is 768 px, count 512 px tiles; tokens = base + tile x tiles; `detail: low` = base. Published checks:
 * 1024x1024 high = 765, 2048x4096 high = 1105, any size low = 85 (gpt-4o rates 85/170).
 * Deliberate difference from new-api: new-api also scales small images UP to a 768 px shortest side (a 512x512
 * image costs 765 there); OpenAI only scales down, so a 512x512 image is one tile, 255 tokens.
 * Patch models (gpt-4.1-mini/nano, o4-mini, gpt-5-mini/nano): 32 px patches, at most 1536, times a multiplier.
 */
import { imageSize } from 'image-size'
import { safeFetch, SafeFetchError } from '../src/net/safe-fetch.ts'
import { normaliseModelName } from './count-text-tokens.ts'

export type ImageRates = { kind: 'tile'; base: number; tile: number } | { kind: 'patch'; multiplier: number; base: number }

/** Per-model rates. `base` of a patch model is only used for its fixed estimate (no dimensions known). */
export function selectImageRates(model: string): ImageRates {
  const name = normaliseModelName(model)
  if (name.includes('gpt-4.1-mini') || name.startsWith('gpt-5-mini')) return { kind: 'patch', multiplier: 1.62, base: 85 }
  if (name.includes('gpt-4.1-nano') || name.startsWith('gpt-5-nano')) return { kind: 'patch', multiplier: 2.46, base: 85 }
  if (name.startsWith('o4-mini')) return { kind: 'patch', multiplier: 1.72, base: 85 }
  if (name.startsWith('gpt-4o-mini')) return { kind: 'tile', base: 2833, tile: 5667 }
  if (name.startsWith('gpt-5')) return { kind: 'tile', base: 70, tile: 140 }
  if (name.startsWith('o1') || name.startsWith('o3')) return { kind: 'tile', base: 75, tile: 150 }
  if (name.includes('computer-use-preview')) return { kind: 'tile', base: 65, tile: 129 }
  return { kind: 'tile', base: 85, tile: 170 }
}

/** What an image costs when its dimensions are not read (media counting off, or the image unreadable): 3 x base. */
export function fixedImageEstimate(rates: ImageRates): number {
  return 3 * rates.base
}

// Scaled sizes land on exact patch/tile boundaries in the published examples; float error must not add a tile.
const ceilTolerant = (value: number) => Math.ceil(value - 1e-9)

function countPatchTokens(multiplier: number, width: number, height: number): number {
  const patchLimit = 1536
  let patches = ceilTolerant(width / 32) * ceilTolerant(height / 32)
  if (patches > patchLimit) {
    let scale = Math.sqrt((32 * 32 * patchLimit) / (width * height))
    const widthPatches = (width * scale) / 32
    const heightPatches = (height * scale) / 32
    scale *= Math.min(Math.floor(widthPatches) / widthPatches, Math.floor(heightPatches) / heightPatches)
    patches = Math.min(patchLimit, ceilTolerant((width * scale) / 32) * ceilTolerant((height * scale) / 32))
  }
  return Math.round(patches * multiplier)
}

export function computeImageTokens(rates: ImageRates, width: number, height: number, detail: string): number {
  if (width <= 0 || height <= 0) return fixedImageEstimate(rates)
  if (rates.kind === 'patch') return countPatchTokens(rates.multiplier, width, height)
  if (detail === 'low') return rates.base
  let scaledWidth = width
  let scaledHeight = height
  const longest = Math.max(scaledWidth, scaledHeight)
  if (longest > 2048) {
    scaledWidth = (scaledWidth * 2048) / longest
    scaledHeight = (scaledHeight * 2048) / longest
  }
  const shortest = Math.min(scaledWidth, scaledHeight)
  if (shortest > 768) {
    scaledWidth = (scaledWidth * 768) / shortest
    scaledHeight = (scaledHeight * 768) / shortest
  }
  const tiles = ceilTolerant(scaledWidth / 512) * ceilTolerant(scaledHeight / 512)
  return rates.base + rates.tile * tiles
}

export interface ImageDimensions {
  width: number
  height: number
}

export type DimensionsResult = ({ ok: true } & ImageDimensions) | { ok: false; reason: string }

export interface ImageFetchOptions {
  maxBytes: number
  timeoutMs: number
  allowPrivateHosts: readonly string[]
  signal?: AbortSignal
}

/** Formats vision APIs accept; image-size also "detects" formats with weak signatures (TGA) in random bytes. */
const acceptedImageTypes = new Set(['png', 'jpg', 'gif', 'webp', 'bmp', 'heif'])

function probeDimensions(bytes: Uint8Array): DimensionsResult {
  try {
    const size = imageSize(bytes)
    if (!size.type || !acceptedImageTypes.has(size.type)) return { ok: false, reason: `unsupported image type ${size.type ?? 'unknown'}` }
    if (!size.width || !size.height) return { ok: false, reason: 'image header has no dimensions' }
    return { ok: true, width: size.width, height: size.height }
  } catch (error) {
    return { ok: false, reason: `not a readable image (${(error as Error).message})` }
  }
}

const invalidBase64Character = /[^A-Za-z0-9+/_\-=]/

/**
 * Decodes growing prefixes of a base64 payload until the image header parses; never the whole image unless needed.
 * Data after the header is not validated: the upstream judges the image, we only need its size.
 */
function probeBase64(payload: string, maxBytes: number): DimensionsResult {
  const text = /\s/.test(payload.slice(0, 4096)) ? payload.replace(/\s+/g, '') : payload
  if ((text.length * 3) / 4 > maxBytes) return { ok: false, reason: `image is larger than the ${maxBytes}-byte limit` }
  let last: DimensionsResult = { ok: false, reason: 'empty image data' }
  for (const prefixLength of [4096, 65_536, 1_048_576, Number.POSITIVE_INFINITY]) {
    const isWhole = prefixLength >= text.length
    let slice = isWhole ? text : text.slice(0, prefixLength - (prefixLength % 4))
    const invalidAt = slice.search(invalidBase64Character)
    if (invalidAt >= 0) slice = slice.slice(0, invalidAt - (invalidAt % 4))
    last = probeDimensions(Buffer.from(slice, 'base64'))
    if (last.ok) return last
    if (invalidAt >= 0) return { ok: false, reason: 'broken base64 image data' }
    if (isWhole) return last
  }
  return last
}

function probeDataUrl(url: string, maxBytes: number): DimensionsResult {
  const comma = url.indexOf(',')
  if (comma < 0) return { ok: false, reason: 'malformed data URL' }
  const parameters = url.slice(5, comma).toLowerCase().split(';')
  const mediaType = parameters[0]!.trim()
  if (mediaType !== '' && !mediaType.startsWith('image/')) return { ok: false, reason: `data URL holds ${mediaType}, not an image` }
  if (!parameters.includes('base64')) return { ok: false, reason: 'data URL image is not base64' }
  return probeBase64(url.slice(comma + 1), maxBytes)
}

/** Recently read remote images: multi-turn chats resend the same image URL with every turn. */
const remoteDimensionsCache = new Map<string, ImageDimensions>()
const remoteDimensionsCacheLimit = 512

async function probeRemote(url: string, options: ImageFetchOptions): Promise<DimensionsResult> {
  // Keyed with the allow-list too: an answer obtained under a wider allow-list must not serve a narrower one.
  const cacheKey = `${options.allowPrivateHosts.join(',')} ${url}`
  const cached = remoteDimensionsCache.get(cacheKey)
  if (cached) return { ok: true, ...cached }
  try {
    const result = await safeFetch(url, {
      maxBytes: options.maxBytes,
      timeoutMs: options.timeoutMs,
      allowPrivateHosts: options.allowPrivateHosts,
      signal: options.signal,
      headers: { accept: 'image/*' },
      stopWhen: (received) => probeDimensions(received).ok,
    })
    const dimensions = probeDimensions(result.bytes)
    if (dimensions.ok) {
      if (remoteDimensionsCache.size >= remoteDimensionsCacheLimit) remoteDimensionsCache.delete(remoteDimensionsCache.keys().next().value!)
      remoteDimensionsCache.set(cacheKey, { width: dimensions.width, height: dimensions.height })
    }
    return dimensions
  } catch (error) {
    if (error instanceof SafeFetchError) return { ok: false, reason: `image fetch failed (${error.code}): ${error.message}` }
    return { ok: false, reason: `image fetch failed: ${(error as Error).message}` }
  }
}

/** Dimensions of the image an `image_url.url` points at; never throws, never reads more than `maxBytes`. */
export async function readImageDimensions(url: string, options: ImageFetchOptions): Promise<DimensionsResult> {
  const head = url.slice(0, 8).toLowerCase()
  if (head.startsWith('data:')) return probeDataUrl(url, options.maxBytes)
  if (head.startsWith('http://') || head.startsWith('https://')) return probeRemote(url, options)
  // Some clients send bare base64 without the data: prefix.
  return probeBase64(url, options.maxBytes)
}
