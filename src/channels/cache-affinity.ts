/**
 * Cache-aware routing: every turn of a conversation goes to the same channel and key, so the upstream's prompt
 * cache (OpenAI's, Anthropic's, Gemini's implicit one: all kept per account or key) holds its history.
 *
 * A conversation is named by its root: the leading system / developer messages and the first message after
 * them, which every later turn repeats unchanged. The root's hash picks the channel by weighted rendezvous
 * hashing (highest random weight): each candidate scores `weight / -ln(u)` with `u` drawn from the hash of (root,
 * channel id), and the best score wins. That choice needs no table and no Redis: every node makes the same one
 * for as long as the candidates stay the same, the channels' weights still share conversations out in
 * proportion, and when a channel leaves (disabled, cooling after a 429, already tried by this request) only its
 * own conversations move, each to its next-best channel. So there is no stickiness period to configure: a
 * conversation stays where it is while that channel serves, which outlasts every provider's cache lifetime.
 *
 * Hashing the root, not the whole prefix, keeps one popular system prompt from drawing every conversation to one
 * key: different first messages spread, and each key soon holds the shared system prompt in its own cache.
 * Short prompts route as before (weighted random): below the size at which providers cache at all (1024
 * tokens at OpenAI and Anthropic) stickiness buys nothing.
 */

/** The parts of a request that every turn of its conversation repeats (system prompt, first message); undefined: none. */
export type ConversationRoot = readonly unknown[] | undefined

const encoder = new TextEncoder()

/** A 32-bit hash of the root's parts; undefined when the root is empty. */
export function affinityOf(root: ConversationRoot, model: string): number | undefined {
  if (!root || root.length === 0) return undefined
  let hash = Bun.hash.xxHash32(model)
  for (const part of root) hash = hashPart(part, hash)
  return hash
}

/** Messages with text content hash without serialising them (the common case); anything else as its JSON. */
function hashPart(part: unknown, seed: number): number {
  if (typeof part === 'string') return Bun.hash.xxHash32(part, seed)
  if (part !== null && typeof part === 'object' && typeof (part as { content?: unknown }).content === 'string') {
    const message = part as { role?: unknown; content: string }
    return Bun.hash.xxHash32(message.content, Bun.hash.xxHash32(String(message.role ?? ''), seed))
  }
  return Bun.hash.xxHash32(encoder.encode(JSON.stringify(part) ?? ''), seed)
}

/** murmur3's 32-bit finaliser over (affinity, member): a well-mixed 32-bit number per pair. */
function mix(affinity: number, member: number): number {
  let h = (affinity ^ Math.imul(member + 1, 0x9e3779b1)) >>> 0
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b)
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35)
  return (h ^ (h >>> 16)) >>> 0
}

/** The weighted rendezvous score of a member: larger wins. */
const score = (affinity: number, member: number, weight: number) => weight / -Math.log((mix(affinity, member) + 0.5) / 4294967296)

/** The channel the conversation belongs to among `channels` (not in `exclude`); undefined when none is left. */
export function rendezvousChannel<Channel extends { id: number; weight: number }>(channels: readonly Channel[], affinity: number, exclude: ReadonlySet<number>): Channel | undefined {
  let best: Channel | undefined
  let bestScore = -1
  for (const channel of channels) {
    if (exclude.has(channel.id)) continue
    const value = score(affinity, channel.id, channel.weight > 0 ? channel.weight : 1)
    if (value > bestScore) [best, bestScore] = [channel, value]
  }
  return best
}

/** Which of a channel's key indexes (`candidates`) the conversation belongs to; keys weigh the same. */
export function rendezvousKey(candidates: readonly number[], affinity: number, channelId: number): number {
  // Seeded with the channel, so a channel's choice of key does not follow from the choice of channel.
  const seed = mix(affinity, channelId)
  let best = candidates[0]!
  let bestScore = -1
  for (const index of candidates) {
    const value = mix(seed, index)
    if (value > bestScore) [best, bestScore] = [index, value]
  }
  return best
}

/** The leading instructions of a message list and the first message after them; undefined for a list with none. */
export function conversationStart(messages: unknown, isInstruction: (message: Record<string, unknown>) => boolean = () => false): unknown[] | undefined {
  if (!Array.isArray(messages) || messages.length === 0) return undefined
  let end = 0
  while (end < messages.length - 1 && isInstruction(messages[end] as Record<string, unknown>)) end++
  return messages.slice(0, end + 1)
}

/** A root led by a format's separate instructions field (Anthropic's `system`, Gemini's `systemInstruction`) when set. */
export function withInstructions(instructions: unknown, start: unknown[] | undefined): unknown[] | undefined {
  if (!start) return undefined
  return instructions === undefined || instructions === '' ? start : [instructions, ...start]
}
