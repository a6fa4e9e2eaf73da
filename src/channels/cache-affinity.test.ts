import { describe, expect, test } from 'bun:test'
import type { CachedChannel } from '../cache/routing.ts'
import { affinityOf, conversationStart, rendezvousChannel, rendezvousKey, withInstructions } from './cache-affinity.ts'

const channel = (id: number, weight = 1) => ({ id, weight }) as CachedChannel
const none: ReadonlySet<number> = new Set()
const isSystem = (message: Record<string, unknown>) => message.role === 'system'
const system = { role: 'system', content: 'You are a careful assistant. '.repeat(40) }

/** Conversation i's turn `turns`: the system prompt, then alternating user / assistant messages. */
function conversation(i: number, turns: number) {
  const messages: Record<string, unknown>[] = [system]
  for (let turn = 0; turn < turns; turn++) {
    messages.push({ role: 'user', content: `conversation ${i}, question ${turn}` })
    if (turn < turns - 1) messages.push({ role: 'assistant', content: `answer ${turn}` })
  }
  return messages
}

describe('the conversation root', () => {
  test('every turn of a conversation has the same affinity; other conversations and models have others', () => {
    const first = affinityOf(conversationStart(conversation(1, 1), isSystem), 'gpt-4o')
    expect(first).toBeNumber()
    for (let turns = 2; turns <= 6; turns++) expect(affinityOf(conversationStart(conversation(1, turns), isSystem), 'gpt-4o')).toBe(first!)
    expect(affinityOf(conversationStart(conversation(2, 3), isSystem), 'gpt-4o')).not.toBe(first!)
    expect(affinityOf(conversationStart(conversation(1, 3), isSystem), 'gpt-4o-mini')).not.toBe(first!)
  })

  test('the root is the leading instructions and the first message after them; a format\'s own instructions field leads it', () => {
    const developer = { role: 'developer', content: 'terse' }
    expect(conversationStart([system, developer, { role: 'user', content: 'a' }, { role: 'assistant', content: 'b' }], (message) => message.role !== 'user'))
      .toEqual([system, developer, { role: 'user', content: 'a' }])
    expect(conversationStart([system], isSystem)).toEqual([system])
    expect(conversationStart([], isSystem)).toBeUndefined()
    expect(conversationStart('not a list')).toBeUndefined()
    expect(withInstructions('be brief', [{ role: 'user', content: 'a' }])).toEqual(['be brief', { role: 'user', content: 'a' }])
    expect(withInstructions(undefined, [{ role: 'user', content: 'a' }])).toEqual([{ role: 'user', content: 'a' }])
    expect(withInstructions('be brief', undefined)).toBeUndefined()
    expect(affinityOf(undefined, 'm')).toBeUndefined()
  })

  test('multimodal content hashes as its JSON: a different image is a different conversation', () => {
    const withImage = (url: string) => [{ role: 'user', content: [{ type: 'text', text: 'what is this?' }, { type: 'image_url', image_url: { url } }] }]
    expect(affinityOf(withImage('https://a.example/1.png'), 'm')).toBe(affinityOf(withImage('https://a.example/1.png'), 'm')!)
    expect(affinityOf(withImage('https://a.example/1.png'), 'm')).not.toBe(affinityOf(withImage('https://a.example/2.png'), 'm')!)
  })
})

describe('weighted rendezvous', () => {
  const channels = [channel(1, 3), channel(2, 1), channel(3, 1), channel(4, 5)]

  test('conversations are shared out in proportion to the weights', () => {
    const counts = new Map<number, number>()
    const conversations = 20_000
    for (let i = 0; i < conversations; i++) {
      const picked = rendezvousChannel(channels, affinityOf([`conversation ${i}`], 'm')!, none)!
      counts.set(picked.id, (counts.get(picked.id) ?? 0) + 1)
    }
    for (const { id, weight } of channels) expect(Math.abs(counts.get(id)! / conversations - weight / 10)).toBeLessThan(0.015)
  })

  test('when a channel leaves, only its own conversations move', () => {
    let moved = 0
    let lost = 0
    for (let i = 0; i < 5000; i++) {
      const affinity = affinityOf([`conversation ${i}`], 'm')!
      const before = rendezvousChannel(channels, affinity, none)!
      const after = rendezvousChannel(channels, affinity, new Set([2]))!
      if (before.id === 2) lost++
      else if (after.id !== before.id) moved++
      expect(after.id).not.toBe(2)
    }
    expect(lost).toBeGreaterThan(0)
    expect(moved).toBe(0)
    expect(rendezvousChannel(channels, 7, new Set([1, 2, 3, 4]))).toBeUndefined()
  })

  test('a conversation keeps its key; keys are shared out evenly and a channel\'s key does not follow from the channel', () => {
    const counts = [0, 0, 0, 0]
    for (let i = 0; i < 8000; i++) {
      const affinity = affinityOf([`conversation ${i}`], 'm')!
      const key = rendezvousKey([0, 1, 2, 3], affinity, 9)
      expect(rendezvousKey([0, 1, 2, 3], affinity, 9)).toBe(key)
      counts[key]!++
    }
    for (const count of counts) expect(Math.abs(count / 8000 - 0.25)).toBeLessThan(0.03)
    // Without key 2 (disabled or cooling), its conversations move and the others stay.
    for (let i = 0; i < 500; i++) {
      const affinity = affinityOf([`conversation ${i}`], 'm')!
      const key = rendezvousKey([0, 1, 2, 3], affinity, 9)
      if (key !== 2) expect(rendezvousKey([0, 1, 3], affinity, 9)).toBe(key)
    }
  })
})
