/**
 * `bun bench/sensitive-words.ts`: what the sensitive-word filter costs per request, with 10 000 words (the
 * filter reads a prompt once whatever the list's length: Aho-Corasick). Prints build time and µs per body for a
 * typical chat request and a 100 KB prompt, then the completion check's cost per KB of streamed answer.
 */
import { createCompletionStreamFilter } from '../src/relay/completion-filter.ts'
import { buildSensitiveMatcher } from '../src/security/sensitive-words.ts'

const words = Array.from({ length: 10_000 }, (_, index) => `blocked${index.toString(36)}phrase`)
const median = (samples: number[]) => samples.sort((left, right) => left - right)[Math.floor(samples.length / 2)]!

function measure(name: string, body: unknown, runs: number, matcher = buildSensitiveMatcher(words)) {
  for (let index = 0; index < Math.min(runs, 2000); index++) matcher.findInBody(body)
  const rounds: number[] = []
  for (let round = 0; round < 7; round++) {
    const started = performance.now()
    for (let index = 0; index < runs; index++) matcher.findInBody(body)
    rounds.push(((performance.now() - started) * 1000) / runs)
  }
  console.log(`${name.padEnd(44)} ${median(rounds).toFixed(2)} µs per request (median of 7 rounds of ${runs})`)
}

const started = performance.now()
buildSensitiveMatcher(words)
console.log(`${'build, 10 000 words'.padEnd(44)} ${(performance.now() - started).toFixed(1)} ms (once per change of SensitiveWords)`)
const chat = { model: 'gpt-4o-mini', messages: [{ role: 'system', content: 'You are a helpful assistant.' }, { role: 'user', content: 'Write a haiku about the sea, then explain its meter and imagery line by line.' }] }
measure('typical chat body (~150 characters of prompt)', chat, 50_000)
measure('100 KB prompt', { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'lorem ipsum dolor sit amet '.repeat(3800) }] }, 200)
measure('typical chat body, 10 words', chat, 50_000, buildSensitiveMatcher(words.slice(0, 10)))

// Completions (CheckSensitiveOnCompletionEnabled): a streamed answer read by the scanner piece by piece, and the
// relay's stream filter over OpenAI SSE chunks (one event per ~4-character token, as the client receives them:
// framing, JSON parse of each event, one scanner per field). Per KB of answer text, at 10 000 words.
const answerKb = 'The quick brown fox jumps over the lazy dog; then it rests. '.repeat(18).slice(0, 1024)
const tokens = answerKb.match(/.{1,4}/gs)!
const sseChunks = tokens.map((token) => new TextEncoder().encode(`data: ${JSON.stringify({ id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 0, model: 'gpt-4o-mini', choices: [{ index: 0, delta: { content: token }, finish_reason: null }] })}\n\n`))
const large = buildSensitiveMatcher(words)

function perKb(name: string, runs: number, once: () => void | Promise<void>) {
  return (async () => {
    for (let index = 0; index < Math.min(runs, 500); index++) await once()
    const rounds: number[] = []
    for (let round = 0; round < 7; round++) {
      const started = performance.now()
      for (let index = 0; index < runs; index++) await once()
      rounds.push(((performance.now() - started) * 1000) / runs)
    }
    console.log(`${name.padEnd(44)} ${median(rounds).toFixed(2)} µs per KB of answer (median of 7 rounds of ${runs})`)
  })()
}

await perKb(`scanner, ${tokens.length} pieces of ≤4 characters`, 5000, () => {
  const scanner = large.scanner()
  for (const token of tokens) scanner.push(token)
})
await perKb(`scanner, the KB in one piece`, 5000, () => { large.scanner().push(answerKb) })
await perKb(`stream filter, ${sseChunks.length} OpenAI SSE chunks`, 500, async () => {
  const filter = createCompletionStreamFilter(large, 'openai-chat', () => '')
  let index = 0
  const source = filter.wrap({ next: async () => (index < sseChunks.length ? { done: false, out: sseChunks[index++]! } : { done: true, out: null }), cancel() {}, finish: async () => {}, errorEvent: () => '' })
  for (;;) if ((await source.next()).done) break
})
await perKb(`the same chunks, no filter (option off)`, 500, async () => {
  let index = 0
  const source = { next: async () => (index < sseChunks.length ? { done: false, out: sseChunks[index++]! } : { done: true, out: null }) }
  for (;;) if ((await source.next()).done) break
})

// Holding back (longest word − 1) characters would keep even a word's prefix from the client, at the price of
// delaying every character of every answer by that many characters' worth of generation.
const longest = Math.max(...words.map((word) => word.length))
const charactersPerSecond = 50 * 4
console.log(`${'hold-back cost (not done; see README)'.padEnd(44)} longest word ${longest} characters: every character delayed by ~${(((longest - 1) / charactersPerSecond) * 1000).toFixed(0)} ms at 50 tokens/s of 4 characters`)
