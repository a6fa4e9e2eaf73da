import { expect, test } from 'bun:test'
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'

/**
 * House rule: no import cycles. Type-only imports count too: they are free at run time, but a cycle through them
 * still means two modules cannot be understood, moved or tested apart. Dynamic imports count for the same reason.
 */

const root = resolve(import.meta.dir, '..')
const scannedFolders = ['src', 'workers']

function sourceFiles(folder: string): string[] {
  const files: string[] = []
  for (const entry of readdirSync(folder)) {
    if (entry === 'node_modules') continue
    const path = join(folder, entry)
    if (statSync(path).isDirectory()) files.push(...sourceFiles(path))
    else if (/\.tsx?$/.test(entry) && !entry.endsWith('.d.ts')) files.push(path)
  }
  return files
}

// One transpiler per extension: read as TSX, a generic arrow in a .ts file (`<T>(data?: T) => …`) is a JSX tag.
const transpilers = { ts: new Bun.Transpiler({ loader: 'ts' }), tsx: new Bun.Transpiler({ loader: 'tsx' }) }

// scanImports parses (so an import written inside a template string is not one) and keeps unused imports, but it
// drops type-only ones: `import type`, `export type … from`, `import { type A }`. The type modifiers are taken out
// first so those are read as ordinary imports.
const withoutTypeModifiers = (code: string) => code
  .replace(/\bimport\s+type\s+(?=[\w$*{])/g, 'import ')
  .replace(/\bexport\s+type\s+(?=[*{])/g, 'export ')
  .replace(/\b(import|export)(\s*)\{([^}]*)\}/g, (_, keyword: string, space: string, names: string) =>
    `${keyword}${space}{${names.replace(/\btype\s+(?=[\w$])/g, '')}}`)

/** Every module specifier a file imports: value, side-effect, dynamic and type-only. */
function importedSpecifiers(code: string, loader: 'ts' | 'tsx' = 'ts'): string[] {
  return [...new Set(transpilers[loader].scanImports(withoutTypeModifiers(code)).map((entry) => entry.path))]
}

/** A relative specifier as the file it names (with or without extension, or a folder's index); else undefined. */
function resolveRelative(fromFile: string, specifier: string): string | undefined {
  if (!specifier.startsWith('./') && !specifier.startsWith('../')) return undefined
  const base = resolve(dirname(fromFile), specifier)
  const candidates = [base, `${base}.ts`, `${base}.tsx`, join(base, 'index.ts'), join(base, 'index.tsx')]
  return candidates.find((candidate) => existsSync(candidate) && statSync(candidate).isFile() && /\.tsx?$/.test(candidate))
}

function importGraph(files: string[]): Map<string, string[]> {
  const graph = new Map<string, string[]>()
  for (const file of files) {
    const targets = importedSpecifiers(readFileSync(file, 'utf8'), file.endsWith('.tsx') ? 'tsx' : 'ts')
      .map((specifier) => resolveRelative(file, specifier))
      .filter((target): target is string => target !== undefined)
    graph.set(file, [...new Set(targets)])
  }
  return graph
}

/** Tarjan's strongly connected components; every cycle lies inside one component of two or more files (or a self-import). */
function stronglyConnected(graph: Map<string, string[]>): string[][] {
  let counter = 0
  const order = new Map<string, number>()
  const lowest = new Map<string, number>()
  const stack: string[] = []
  const onStack = new Set<string>()
  const components: string[][] = []
  const visit = (node: string) => {
    order.set(node, counter)
    lowest.set(node, counter++)
    stack.push(node)
    onStack.add(node)
    for (const next of graph.get(node) ?? []) {
      if (!order.has(next)) {
        visit(next)
        lowest.set(node, Math.min(lowest.get(node)!, lowest.get(next)!))
      } else if (onStack.has(next)) {
        lowest.set(node, Math.min(lowest.get(node)!, order.get(next)!))
      }
    }
    if (lowest.get(node) === order.get(node)) {
      const component: string[] = []
      let member: string
      do {
        member = stack.pop()!
        onStack.delete(member)
        component.push(member)
      } while (member !== node)
      components.push(component)
    }
  }
  for (const node of graph.keys()) if (!order.has(node)) visit(node)
  return components
}

/** Shortest path from `start` to `goal` using only `allowed` files (breadth first). */
function shortestPath(graph: Map<string, string[]>, start: string, goal: string, allowed: Set<string>): string[] | undefined {
  const previous = new Map<string, string | undefined>([[start, undefined]])
  const queue = [start]
  for (let head = 0; head < queue.length; head++) {
    const node = queue[head]!
    if (node === goal) {
      const path: string[] = []
      for (let step: string | undefined = node; step !== undefined; step = previous.get(step)) path.unshift(step)
      return path
    }
    for (const next of graph.get(node) ?? []) {
      if (allowed.has(next) && !previous.has(next)) {
        previous.set(next, node)
        queue.push(next)
      }
    }
  }
  return undefined
}

/**
 * Cycles as chains `a → b → a`: for every import edge inside a component, the shortest cycle through it. Every
 * import that takes part in a cycle shows up in at least one chain, without listing the exponentially many
 * longer cycles a large component can hold.
 */
function findCycles(graph: Map<string, string[]>): string[][] {
  const cycles = new Map<string, string[]>()
  for (const component of stronglyConnected(graph)) {
    const members = new Set(component)
    for (const from of component) {
      for (const to of graph.get(from) ?? []) {
        if (!members.has(to)) continue
        const back = from === to ? [to] : shortestPath(graph, to, from, members)
        if (!back) continue
        const cycle = [from, ...back]
        // Rotate so the same cycle found from another edge is recognised: start at its smallest file.
        const ring = cycle.slice(0, -1)
        const start = ring.indexOf([...ring].sort()[0]!)
        const rotated = [...ring.slice(start), ...ring.slice(0, start)]
        cycles.set(rotated.join('\n'), [...rotated, rotated[0]!])
      }
    }
  }
  return [...cycles.values()].sort((left, right) => left.join().localeCompare(right.join()))
}

test('findCycles reports each cycle once as a closed chain, and nothing for a tree', () => {
  const graph = new Map([['a', ['b']], ['b', ['c', 'a']], ['c', ['a']], ['d', ['a']], ['e', ['e']]])
  expect(findCycles(graph)).toEqual([['a', 'b', 'a'], ['a', 'b', 'c', 'a'], ['e', 'e']])
  expect(findCycles(new Map([['a', ['b', 'c']], ['b', ['c']], ['c', []]]))).toEqual([])
})

test('importedSpecifiers sees type-only imports and re-exports as well as value imports', () => {
  const code = [
    `import type { A } from './a.ts'`, `import { type B } from './b.ts'`, `import { C } from './c.ts'`,
    `export type { D } from './d.ts'`, `export * from './e.ts'`, `import './f.ts'`, `const g = await import('./g.ts')`,
    'import {', '  type H,', `} from './h.ts'`, 'const text = `', `import { X } from './not-code.ts'`, '`',
  ].join('\n')
  expect(importedSpecifiers(code).sort()).toEqual(['./a.ts', './b.ts', './c.ts', './d.ts', './e.ts', './f.ts', './g.ts', './h.ts'])
})

test('no import cycles under src/ and workers/', () => {
  const files = scannedFolders.flatMap((folder) => sourceFiles(join(root, folder)))
  expect(files.length).toBeGreaterThan(50)
  const cycles = findCycles(importGraph(files)).map((cycle) => cycle.map((file) => relative(root, file)).join(' → '))
  expect(cycles).toEqual([])
})
