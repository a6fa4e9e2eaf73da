/**
 * Text token counting with gpt-tokenizer, run inside worker threads.
 *
 * Encoding per model family (the prefixes below): o200k_base for gpt-4o, chatgpt-4o, gpt-4.1, gpt-4.5, gpt-5,
 * the o-series and the other 2024+ OpenAI models; cl100k_base for gpt-4, gpt-3.5 and text-embedding-*.
 * Any other model (claude, gemini, deepseek, ...) is counted with cl100k_base and flagged `estimated`: their own
 * tokenizers are not public in JS, cl100k loads in half the time and memory of o200k (measured ~300 ms / ~38 MB
 * vs ~650 ms / ~60 MB per worker), and for non-English text it gives more tokens than o200k, so a reservation
 * built on it errs high rather than low.
 *
 * Guard against pathological input: byte-pair merging inside one pre-tokenizer piece costs more than linear in
 * the piece's length and ~1.5 µs per character even when linear, so a megabyte with no word breaks would stall a
 * worker for seconds. Pieces longer than PIECE_LIMIT are counted in PIECE_LIMIT-sized chunks, and once
 * LONG_PIECE_SAMPLE characters of such pieces have been counted, the rest is extrapolated at the rate seen so
 * far. Ordinary text (no piece that long) is counted exactly.
 */

export type EncodingName = 'o200k_base' | 'cl100k_base'

export interface EncodingChoice {
  encoding: EncodingName
  /** False when the model is not an OpenAI model: the count is an estimate of its real tokenizer. */
  exact: boolean
}

export interface TextCount {
  tokens: number
  /** True when a guard replaced part of the exact count with an extrapolation. */
  capped: boolean
}

/** Pieces longer than this many UTF-16 units are chunked (real words and numbers are far shorter). */
export const PIECE_LIMIT = 256
/** Characters of over-long pieces counted exactly per text before the rest is extrapolated. */
export const LONG_PIECE_SAMPLE = 16_384

const o200kPrefixes = ['gpt-4o', 'chatgpt-4o', 'gpt-4.1', 'gpt-4.5', 'gpt-5', 'o1', 'o3', 'o4', 'gpt-oss', 'codex', 'computer-use', 'gpt-image', 'gpt-realtime', 'gpt-audio', 'omni-moderation']
const cl100kPrefixes = ['gpt-4', 'gpt-3.5', 'gpt-35', 'text-embedding-', 'davinci-002', 'babbage-002', 'text-moderation']

/** Lower-cased model name without a vendor prefix (`openai/gpt-4o`) or fine-tune prefix (`ft:gpt-4o-mini:org::id`). */
export function normaliseModelName(model: string): string {
  let name = model.trim().toLowerCase()
  if (name.startsWith('ft:')) name = name.slice(3)
  const slash = name.lastIndexOf('/')
  return slash >= 0 ? name.slice(slash + 1) : name
}

export function selectEncoding(model: string): EncodingChoice {
  const name = normaliseModelName(model)
  // o200k first: 'gpt-4o' and 'gpt-4.1' also start with 'gpt-4'.
  if (o200kPrefixes.some((prefix) => name.startsWith(prefix))) return { encoding: 'o200k_base', exact: true }
  if (cl100kPrefixes.some((prefix) => name.startsWith(prefix))) return { encoding: 'cl100k_base', exact: true }
  return { encoding: 'cl100k_base', exact: false }
}

export interface LoadedEncoding {
  name: EncodingName
  countTokens(text: string): number
  splitRegex: RegExp
}

// Special-token text typed by a user (`<|endoftext|>`) is ordinary text to the API, so none is allowed or refused.
const plainTextOptions = { disallowedSpecial: new Set<string>() }

const loadedEncodings = new Map<EncodingName, Promise<LoadedEncoding>>()

/** Loads an encoding on first use: each one costs tens of MB per worker, and many deployments need only one. */
export function loadEncoding(name: EncodingName): Promise<LoadedEncoding> {
  let loading = loadedEncodings.get(name)
  if (!loading) {
    loading = (async () => {
      const constants = await import('gpt-tokenizer/encodingParams/constants')
      if (name === 'o200k_base') {
        const module = await import('gpt-tokenizer/encoding/o200k_base')
        return { name, countTokens: (text: string) => module.countTokens(text, plainTextOptions), splitRegex: constants.O200K_TOKEN_SPLIT_REGEX }
      }
      const module = await import('gpt-tokenizer/encoding/cl100k_base')
      return { name, countTokens: (text: string) => module.countTokens(text, plainTextOptions), splitRegex: constants.CL100K_TOKEN_SPLIT_REGEX }
    })()
    loadedEncodings.set(name, loading)
    loading.catch(() => loadedEncodings.delete(name))
  }
  return loading
}

/**
 * A run this long of letters, of punctuation or of whitespace is the only way a piece can exceed PIECE_LIMIT;
 * scanning for it natively is far cheaper than walking every piece, so ordinary text skips the slow path.
 */
const possibleLongPiece = new RegExp(`[\\p{L}\\p{M}]{${PIECE_LIMIT}}|[^\\s\\p{L}\\p{N}]{${PIECE_LIMIT}}|\\s{${PIECE_LIMIT}}`, 'u')

/** Cut points that never split a surrogate pair. */
function chunkEnd(text: string, start: number): number {
  let end = Math.min(text.length, start + PIECE_LIMIT)
  const code = text.charCodeAt(end - 1)
  if (end < text.length && code >= 0xd800 && code <= 0xdbff) end -= 1
  return end
}

/** Counts `text` exactly unless it holds over-long pieces (see the file comment). */
export function countWithGuard(encoding: LoadedEncoding, text: string): TextCount {
  if (text.length === 0) return { tokens: 0, capped: false }
  if (text.length <= PIECE_LIMIT || !possibleLongPiece.test(text)) return { tokens: encoding.countTokens(text), capped: false }

  let tokens = 0
  let capped = false
  let segmentStart = 0
  let sampledCharacters = 0
  let sampledTokens = 0
  // Splitting at the start and end of a piece reproduces the pieces the full text would give: the split
  // pattern never looks behind, and the piece boundary is where the full scan restarted anyway.
  for (const match of text.matchAll(encoding.splitRegex)) {
    const piece = match[0]
    if (piece.length <= PIECE_LIMIT) continue
    const pieceStart = match.index
    if (pieceStart > segmentStart) tokens += encoding.countTokens(text.slice(segmentStart, pieceStart))
    capped = true
    let position = 0
    while (position < piece.length && sampledCharacters < LONG_PIECE_SAMPLE) {
      const end = chunkEnd(piece, position)
      const chunkTokens = encoding.countTokens(piece.slice(position, end))
      tokens += chunkTokens
      sampledTokens += chunkTokens
      sampledCharacters += end - position
      position = end
    }
    if (position < piece.length) tokens += Math.ceil(((piece.length - position) * sampledTokens) / sampledCharacters)
    segmentStart = pieceStart + piece.length
  }
  if (segmentStart < text.length) tokens += encoding.countTokens(segmentStart === 0 ? text : text.slice(segmentStart))
  return { tokens, capped }
}
