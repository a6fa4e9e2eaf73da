import { expect, test } from 'bun:test'
import { readFileSync } from 'node:fs'
import { startGatewayProcess } from './testing/gateway-process.ts'
import { temporaryDirectory } from './testing/databases.ts'
import { missingRuntimeSettings, relaunchArguments, RUNTIME_DEFAULTS } from './runtime-environment.ts'

test('only the settings the environment lacks are added; an operator\'s own value stays', () => {
  expect(missingRuntimeSettings({})).toEqual({ ...RUNTIME_DEFAULTS })
  expect(missingRuntimeSettings({ MIMALLOC_PURGE_DELAY: '0' })).toEqual({ BUN_CONFIG_MAX_HTTP_REQUESTS: RUNTIME_DEFAULTS.BUN_CONFIG_MAX_HTTP_REQUESTS! })
  expect(missingRuntimeSettings({ ...RUNTIME_DEFAULTS })).toBeUndefined()
})

test('the process starts again with its own flags and arguments (from source) or its own arguments (the binary)', () => {
  expect(relaunchArguments(false, '/usr/bin/bun', ['--smol'], ['/usr/bin/bun', '/app/src/index.ts', 'import', 'x.db'])).toEqual(['/usr/bin/bun', '--smol', '/app/src/index.ts', 'import', 'x.db'])
  expect(relaunchArguments(true, '/opt/tollgate', [], ['bun', '/$bunfs/root/tollgate', 'import', 'x.db'])).toEqual(['/opt/tollgate', 'import', 'x.db'])
})

test('started without the start-time settings, the gateway runs with them, in the same process (a kill still reaches it)', async () => {
  const directory = temporaryDirectory()
  const { child, url } = await startGatewayProcess({ DATA_DIR: directory.path, INITIAL_ROOT_PASSWORD: 'root-password-for-tests', MIMALLOC_PURGE_DELAY: undefined, BUN_CONFIG_MAX_HTTP_REQUESTS: undefined } as never)
  try {
    expect((await fetch(`${url}/api/status`)).status).toBe(200)
    // /proc/<pid>/environ is the environment the process image was started with: after execve, the new one.
    const environment = readFileSync(`/proc/${child.pid}/environ`, 'utf8').split('\0')
    expect(environment).toContain(`MIMALLOC_PURGE_DELAY=${RUNTIME_DEFAULTS.MIMALLOC_PURGE_DELAY}`)
    expect(environment).toContain(`BUN_CONFIG_MAX_HTTP_REQUESTS=${RUNTIME_DEFAULTS.BUN_CONFIG_MAX_HTTP_REQUESTS}`)
  } finally {
    child.kill()
    await child.exited
    directory.remove()
  }
}, 30_000)
