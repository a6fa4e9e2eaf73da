/**
 * `bun bench/sensitive-words.ts`: what the sensitive-word filter costs per request, with 10 000 words (the
 * filter reads a prompt once whatever the list's length: Aho-Corasick). Prints build time and µs per body for a
 * typical chat request and a 100 KB prompt.
 */
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
