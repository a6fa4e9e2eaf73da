import { addressLimitsOff } from './address-limits-off.ts'
/**
 * The real entrypoint (`bun src/index.ts`, or the compiled binary as `command`) in a child process, for tests that need real signals or several
 * processes. It listens on a free port; the URL comes from its "listening on" line.
 */
export async function startGatewayProcess(env: Record<string, string>, options: { command?: string[]; cwd?: string } = {}): Promise<{ child: ReturnType<typeof Bun.spawn>; url: string }> {
  const child = Bun.spawn(options.command ?? [process.execPath, 'src/index.ts'], {
    cwd: options.cwd,
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', ...addressLimitsOff, ...env },
    stdout: 'pipe', stderr: 'inherit',
  })
  const reader = (child.stdout as ReadableStream<Uint8Array>).getReader()
  const decoder = new TextDecoder()
  let output = ''
  const deadline = Date.now() + 20_000
  while (Date.now() < deadline) {
    const { value, done } = await reader.read()
    if (done) break
    output += decoder.decode(value)
    const match = /listening on (http:\/\/[\d.:]+)/.exec(output)
    if (match) {
      // Keep draining so the child never blocks on a full pipe.
      void (async () => { while (!(await reader.read()).done) { /* discard */ } })()
      return { child, url: match[1]! }
    }
  }
  child.kill()
  throw new Error(`gateway did not start: ${output}`)
}
