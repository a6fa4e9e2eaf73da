/**
 * Upstream error text scrubbed of credentials before it reaches a client, a log row or the console. Providers echo
 * the key they were given ("Incorrect API key provided: sk-…"), and a transport error may carry a URL with `?key=`,
 * so every key of the channel (each line of a multi-key channel, and each part of a composite `AK|SK|region` key)
 * and anything shaped like a well-known API key is replaced.
 */

const REDACTED = '[redacted]'

/** Shapes of provider keys: OpenAI/Anthropic/DeepSeek `sk-…`, Google `AIza…`, AWS access key ids, bearer tokens. */
const KEY_SHAPES = /\bsk-[A-Za-z0-9_\-*.]{6,}|\bAIza[0-9A-Za-z_\-]{20,}|\b(?:AKIA|ASIA)[0-9A-Z]{16}\b|(?<=[Bb]earer\s+)[A-Za-z0-9_\-.=~+/]{12,}|(?<=[?&]key=)[^&\s"']{8,}/g

/** Pieces of a stored key worth looking for: the whole key and its parts of at least 12 characters (a region name is no secret). */
function piecesOf(key: string): string[] {
  const pieces = new Set<string>()
  const whole = key.trim()
  if (whole.length >= 4) pieces.add(whole)
  for (const part of whole.split(/[|\s,;:"{}]+/)) if (part.length >= 12) pieces.add(part)
  return [...pieces]
}

function scrubWith(pieces: readonly string[], text: string): string {
  let out = text
  for (const piece of pieces) if (out.includes(piece)) out = out.replaceAll(piece, REDACTED)
  return out.replace(KEY_SHAPES, REDACTED)
}

const piecesOfAll = (keys: readonly string[]) => [...new Set(keys.flatMap(piecesOf))].sort((a, b) => b.length - a.length)

/** `text` with `keys` (and key-shaped strings) replaced by `[redacted]`. */
export const scrubSecrets = (text: string, keys: readonly string[] = []): string => (text.length === 0 ? text : scrubWith(piecesOfAll(keys), text))

/** Per channel key list, its scrubber, built once (the key list is replaced, not mutated, when a channel changes). */
const scrubbers = new WeakMap<readonly string[], (text: string) => string>()
export function scrubberFor(keys: readonly string[]): (text: string) => string {
  let scrub = scrubbers.get(keys)
  if (!scrub) {
    const pieces = piecesOfAll(keys)
    scrub = (text) => (text.length === 0 ? text : scrubWith(pieces, text))
    scrubbers.set(keys, scrub)
  }
  return scrub
}
