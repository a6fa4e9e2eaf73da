/**
 * Child processes for the bench: every server under test runs in its own process so the load generator,
 * the mock upstream and the gateway never share an event loop. Memory is read from /proc (Linux only).
 */
import { readdirSync, readFileSync } from 'node:fs'
import type { Subprocess } from 'bun'

export interface ChildServer {
  name: string
  url: string
  port: number
  pid: number
  /** Last lines the child wrote to stderr/stdout, for error messages. */
  logTail(): string
  stop(): Promise<void>
}

const running = new Set<ChildServer>()

/** Stops every child still running; run.ts calls it on exit and on SIGINT so no server outlives the bench. */
export async function stopAllChildren(): Promise<void> {
  await Promise.all([...running].map((child) => child.stop()))
}

/** Keeps the last `limit` lines of a child's output without holding all of it. */
function createLogTail(limit = 40) {
  const lines: string[] = []
  let partial = ''
  return {
    push(text: string) {
      const parts = (partial + text).split('\n')
      partial = parts.pop() ?? ''
      for (const line of parts) {
        lines.push(line)
        if (lines.length > limit) lines.shift()
      }
    },
    text: () => [...lines, partial].filter(Boolean).join('\n'),
  }
}

async function pump(stream: ReadableStream<Uint8Array>, onText: (text: string) => void): Promise<void> {
  const decoder = new TextDecoder()
  const reader = stream.getReader()
  for (;;) {
    const { done, value } = await reader.read()
    if (done) return
    onText(decoder.decode(value, { stream: true }))
  }
}

/** The parent's environment with overrides; an override set to undefined removes the variable. */
export function childEnvironment(overrides: Record<string, string | undefined> = {}): Record<string, string> {
  const merged: Record<string, string | undefined> = { ...process.env, ...overrides }
  const environment: Record<string, string> = {}
  for (const [name, value] of Object.entries(merged)) if (value !== undefined) environment[name] = value
  return environment
}

function wrap(name: string, child: Subprocess<'ignore', 'pipe', 'pipe'>, url: string, port: number, tail: ReturnType<typeof createLogTail>): ChildServer {
  const server: ChildServer = {
    name,
    url,
    port,
    pid: child.pid,
    logTail: tail.text,
    async stop() {
      running.delete(server)
      if (child.exitCode !== null || child.signalCode !== null) return
      child.kill('SIGTERM')
      const exited = await Promise.race([child.exited.then(() => true), Bun.sleep(5000).then(() => false)])
      if (!exited) {
        child.kill('SIGKILL')
        await child.exited
      }
    },
  }
  running.add(server)
  return server
}

/**
 * Starts a bench helper (mock upstream, bare proxy, stream client) that prints one JSON line `{url, port}`
 * on stdout when it is listening.
 */
export async function spawnAnnouncingServer(name: string, command: string[], settings: { env?: Record<string, string | undefined>; timeoutMs?: number } = {}): Promise<ChildServer> {
  const child = Bun.spawn(command, { env: childEnvironment(settings.env), stdin: 'ignore', stdout: 'pipe', stderr: 'pipe' })
  const tail = createLogTail()
  void pump(child.stderr, tail.push)
  let announced: ((address: { url: string; port: number }) => void) | undefined
  const announcement = new Promise<{ url: string; port: number }>((resolve) => {
    announced = resolve
  })
  let firstLine = ''
  let waiting = true
  void pump(child.stdout, (text) => {
    if (waiting) {
      firstLine += text
      const newline = firstLine.indexOf('\n')
      if (newline >= 0) {
        waiting = false
        try {
          announced?.(JSON.parse(firstLine.slice(0, newline)) as { url: string; port: number })
        } catch {
          tail.push(firstLine)
        }
        tail.push(firstLine.slice(newline + 1))
      }
    } else {
      tail.push(text)
    }
  })
  const timeoutMs = settings.timeoutMs ?? 15_000
  const result = await Promise.race([
    announcement,
    child.exited.then((code) => new Error(`${name} exited with code ${code} before listening:\n${tail.text()}`)),
    Bun.sleep(timeoutMs).then(() => new Error(`${name} did not announce its address within ${timeoutMs} ms:\n${tail.text()}`)),
  ])
  if (result instanceof Error) {
    child.kill('SIGKILL')
    throw result
  }
  return wrap(name, child, result.url, result.port, tail)
}

/**
 * Starts a server that announces nothing (Tollgate, Portkey) and waits until `readyPath` answers any HTTP
 * status. Returns an Error (not thrown) when it exits or stays silent, so callers can skip that column.
 */
export async function spawnHttpServer(name: string, command: string[], settings: { port: number; env?: Record<string, string | undefined>; cwd?: string; readyPath?: string; timeoutMs?: number }): Promise<ChildServer | Error> {
  const child = Bun.spawn(command, { cwd: settings.cwd, env: childEnvironment(settings.env), stdin: 'ignore', stdout: 'pipe', stderr: 'pipe' })
  const tail = createLogTail()
  void pump(child.stdout, tail.push)
  void pump(child.stderr, tail.push)
  const url = `http://127.0.0.1:${settings.port}`
  const deadline = performance.now() + (settings.timeoutMs ?? 30_000)
  while (performance.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      return new Error(`${name} exited (code ${child.exitCode ?? child.signalCode}) before answering:\n${tail.text()}`)
    }
    try {
      await fetch(url + (settings.readyPath ?? '/'), { signal: AbortSignal.timeout(1000) })
      return wrap(name, child, url, settings.port, tail)
    } catch {
      await Bun.sleep(150)
    }
  }
  child.kill('SIGKILL')
  await child.exited
  return new Error(`${name} did not answer on ${url} within ${settings.timeoutMs ?? 30_000} ms:\n${tail.text()}`)
}

/** A port that was free a moment ago (for servers that need one on the command line). */
export function findFreePort(): number {
  const probe = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: () => new Response() })
  const port = probe.port as number
  probe.stop(true)
  return port
}

/** VmRSS of one process in KiB, from /proc/<pid>/status; null when the process is gone. */
export function readRssKib(pid: number): number | null {
  try {
    return parseVmRss(readFileSync(`/proc/${pid}/status`, 'utf8'))
  } catch {
    return null
  }
}

export function parseVmRss(status: string): number | null {
  const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status)
  return match ? Number(match[1]) : null
}

/** The pid and all its descendants (CLUSTER=auto forks workers; their memory counts too). */
export function processTree(rootPid: number): number[] {
  const childrenOf = new Map<number, number[]>()
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
      // The command name may contain spaces and parentheses; fields after the last ')' are fixed.
      const parentPid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
      const list = childrenOf.get(parentPid) ?? []
      list.push(Number(entry))
      childrenOf.set(parentPid, list)
    } catch {
      // The process ended while we were listing.
    }
  }
  const tree: number[] = []
  const queue = [rootPid]
  while (queue.length > 0 && tree.length < 4096) {
    const pid = queue.shift()!
    tree.push(pid)
    queue.push(...(childrenOf.get(pid) ?? []))
  }
  return tree
}

/** RSS of a process and its descendants, in MB (10^6 bytes, the unit the targets are stated in). */
export function treeRssMegabytes(rootPid: number): number {
  let totalKib = 0
  for (const pid of processTree(rootPid)) totalKib += readRssKib(pid) ?? 0
  return (totalKib * 1024) / 1e6
}

let clockTicksPerSecond: number | undefined
function ticksPerSecond(): number {
  if (clockTicksPerSecond === undefined) {
    const probe = Bun.spawnSync(['getconf', 'CLK_TCK'])
    const parsed = Number(probe.stdout.toString().trim())
    clockTicksPerSecond = probe.success && parsed > 0 ? parsed : 100
  }
  return clockTicksPerSecond
}

/** utime + stime of one process from /proc/<pid>/stat text, in clock ticks. */
export function parseCpuTicks(stat: string): number {
  // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return Number(fields[11]) + Number(fields[12])
}

/**
 * CPU seconds (user + system) used so far by a process and its live descendants. The difference over a
 * load run divided by the requests served is a cost per request that other processes on a busy machine do
 * not distort the way they distort throughput.
 */
export function treeCpuSeconds(rootPid: number): number {
  let ticks = 0
  for (const pid of processTree(rootPid)) {
    try {
      ticks += parseCpuTicks(readFileSync(`/proc/${pid}/stat`, 'utf8'))
    } catch {
      // Gone since the tree was listed.
    }
  }
  return ticks / ticksPerSecond()
}
