/**
 * Settings that Bun and its allocator read once, when the process starts, so they cannot be set from running code.
 * The entrypoint checks them first and, when one is missing, replaces the process with itself (`execve`: same pid,
 * same arguments, nothing loaded yet) with the missing ones added. `bun run start`, `bun src/index.ts`, the compiled
 * binary and the image so run alike; a value the operator sets is kept.
 */
export const RUNTIME_DEFAULTS: Readonly<Record<string, string>> = {
  // Bun's fetch holds at most 256 requests at once without it (the fetch upstream client, proxies).
  BUN_CONFIG_MAX_HTTP_REQUESTS: '16384',
  // mimalloc hands freed memory back to the OS after this many ms. Sooner (the default), a busy gateway returns pages
  // between requests and faults them in again at once: streams at 32 connections cost 221 µs CPU each by default,
  // 187-190 µs at 3-10 s (`bun run bench`); a burst's memory still goes back seconds after the load drops.
  MIMALLOC_PURGE_DELAY: '10000',
}

/** The environment to start again with, or undefined when nothing is missing. */
export function missingRuntimeSettings(env: Record<string, string | undefined>): Record<string, string> | undefined {
  const missing = Object.entries(RUNTIME_DEFAULTS).filter(([name]) => env[name] === undefined)
  return missing.length === 0 ? undefined : Object.fromEntries(missing)
}

/** The command line that starts this process again: the binary's own arguments, or bun's flags, script and arguments. */
export function relaunchArguments(standalone: boolean, execPath: string, execArgv: readonly string[], argv: readonly string[]): string[] {
  // In the binary argv[1] is the embedded entry (/$bunfs/root/…), not an argument the process was given.
  return standalone ? [execPath, ...argv.slice(2)] : [execPath, ...execArgv, ...argv.slice(1)]
}

/** Replaces the process with itself when a start-time setting is missing; returns only when none is. */
export function ensureRuntimeEnvironment() {
  const missing = missingRuntimeSettings(process.env)
  if (!missing) return
  process.execve!(process.execPath, relaunchArguments(Bun.isStandaloneExecutable, process.execPath, process.execArgv, process.argv), { ...process.env, ...missing } as Record<string, string>)
}
