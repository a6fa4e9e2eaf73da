/**
 * The sensitive-word filter (new-api's `CheckSensitiveEnabled` + `CheckSensitiveOnPromptEnabled` and
 * `…OnCompletionEnabled`, words in `SensitiveWords`, one per line): an Aho-Corasick automaton built once per word
 * list, so a text is read once whatever the number of words (10 000 words cost what 10 do; the bench measures it).
 * Matching ignores case.
 * A streamed answer is read with a scanner, which carries the automaton's state from one piece to the next.
 */
export interface SensitiveMatcher {
  /** The first listed word found in the text, or undefined. */
  find(text: string): string | undefined
  /** A scanner for text that arrives in pieces (a streamed answer). */
  scanner(): SensitiveScanner
  /** The first listed word found in any string value of a request body (keys and numbers are not prompts). */
  findInBody(body: unknown): string | undefined
  readonly size: number
}

/**
 * Incremental matching: each piece is read once, from the state the previous one left, so a word split across
 * pieces is found when its last character arrives, and what was read is never read again. Pieces are lower-cased
 * one by one, as `find` lower-cases the whole text, so the two agree (but for context-dependent case mappings such
 * as a Greek final sigma that a piece boundary cuts from its next letter).
 */
export interface SensitiveScanner {
  /** The first listed word that ends in this piece (its start may lie in earlier ones), or undefined. */
  push(piece: string): string | undefined
}

/** Request fields that are names, not prompt text: a word list must not refuse a model name or a role. */
const NOT_PROMPT = new Set(['model', 'role', 'type', 'id', 'name', 'tool_call_id', 'stream', 'user', 'response_format', 'modalities', 'voice', 'encoding_format', 'mime_type', 'mimeType', 'media_type', 'detail'])

export function buildSensitiveMatcher(words: readonly string[]): SensitiveMatcher {
  // The trie over UTF-16 code units of the lower-cased words. Transitions live in one Map keyed by
  // state × 65536 + code unit; the root's are also in a dense table, since most characters of a prompt start no
  // word and stay at the root with one array read. `fail` is each state's failure link; `output` the word that
  // ends there, or the nearest one ending on its failure chain, so a match is known in one step.
  const edges = new Map<number, number>()
  const rootEdges = new Int32Array(0x10000)
  const children: number[][] = [[]]
  const fail: number[] = [0]
  const output: (string | undefined)[] = [undefined]
  const unique = [...new Set(words.map((word) => word.trim()).filter(Boolean))]
  for (const word of unique) {
    const lower = word.toLowerCase()
    let state = 0
    for (let index = 0; index < lower.length; index++) {
      const code = lower.charCodeAt(index)
      let target = edges.get(state * 0x10000 + code)
      if (target === undefined) {
        target = output.length
        output.push(undefined)
        fail.push(0)
        children.push([])
        edges.set(state * 0x10000 + code, target)
        children[state]!.push(code)
        if (state === 0) rootEdges[code] = target
      }
      state = target
    }
    output[state] ??= word
  }
  const step = (state: number, code: number): number => {
    for (;;) {
      if (state === 0) return rootEdges[code]!
      const target = edges.get(state * 0x10000 + code)
      if (target !== undefined) return target
      state = fail[state]!
    }
  }
  // Breadth-first: a failure link points to the longest proper suffix that is also a prefix of some word.
  const queue: number[] = children[0]!.map((code) => rootEdges[code]!)
  for (let head = 0; head < queue.length; head++) {
    const state = queue[head]!
    for (const code of children[state]!) {
      const target = edges.get(state * 0x10000 + code)!
      fail[target] = state === 0 ? 0 : step(fail[state]!, code)
      output[target] ??= output[fail[target]!]
      queue.push(target)
    }
  }

  // The word `run` found, read right after it returns (a state and a word without an object per call).
  let found: string | undefined
  /** Reads `text` from `state`; returns the state reached, `found` set to the first word ending in the text. */
  const run = (text: string, state: number): number => {
    found = undefined
    const lower = text.toLowerCase()
    for (let index = 0; index < lower.length; index++) {
      state = step(state, lower.charCodeAt(index))
      if (state !== 0) {
        const word = output[state]
        if (word !== undefined) {
          found = word
          return state
        }
      }
    }
    return state
  }

  function find(text: string): string | undefined {
    if (unique.length === 0) return undefined
    run(text, 0)
    return found
  }

  function scanner(): SensitiveScanner {
    let state = 0
    return {
      push(piece) {
        if (unique.length === 0) return undefined
        state = run(piece, state)
        return found
      },
    }
  }

  function findInBody(body: unknown): string | undefined {
    if (unique.length === 0) return undefined
    // Iterative: a deep body cannot overflow the stack here.
    const pending: unknown[] = [body]
    while (pending.length > 0) {
      const value = pending.pop()
      if (typeof value === 'string') {
        const word = find(value)
        if (word !== undefined) return word
      } else if (Array.isArray(value)) {
        for (const item of value) pending.push(item)
      } else if (value && typeof value === 'object') {
        for (const [key, item] of Object.entries(value)) if (!NOT_PROMPT.has(key)) pending.push(item)
      }
    }
    return undefined
  }

  return { find, findInBody, scanner, size: unique.length }
}
