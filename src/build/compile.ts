/**
 * `bun run compile [--target linux-x64,linux-arm64,darwin-arm64]`: the single-file binary, dist/tollgate (or
 * dist/tollgate-<target> per cross-compiled target). It embeds the console (admin/dist, built first by the
 * `compile` script), the migrations and the two worker entry points; src/runtime-paths.ts finds them at run time.
 * Cross-compiling fetches that target's Bun runtime from the npm registry once (Bun caches it).
 */
import { existsSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'

const root = join(import.meta.dir, '../..')
/** Every worker the code starts (runtime-paths.ts workerEntry): each must be an entry point, or it is not in the binary. */
const workerEntryPoints = ['src/db/sqlite-writer.worker.ts', 'workers/pool.worker.ts']
/** Folders read at run time (runtime-paths.ts migrationsFolder, consoleFolder). */
const assets = ['drizzle', 'admin/dist']
const knownTargets = ['linux-x64', 'linux-x64-baseline', 'linux-arm64', 'darwin-arm64', 'darwin-x64', 'windows-x64'] as const
type Target = (typeof knownTargets)[number]

const { values } = parseArgs({ args: Bun.argv.slice(2), options: { target: { type: 'string' }, outdir: { type: 'string', default: 'dist' } } })
const targets = values.target ? values.target.split(',').map((name) => name.trim().replace(/^bun-/, '')) : []
for (const target of targets) {
  if (!knownTargets.includes(target as Target)) {
    console.error(`[compile] unknown target ${target}: one of ${knownTargets.join(', ')}`)
    process.exit(2)
  }
}
if (!existsSync(join(root, 'admin/dist/index.html'))) {
  console.error('[compile] admin/dist is missing: run `bun run build` first (`bun run compile` does)')
  process.exit(1)
}

async function compile(target?: Target) {
  const outfile = join(resolve(root, values.outdir!), target ? `tollgate-${target}${target.startsWith('windows') ? '.exe' : ''}` : 'tollgate')
  const started = performance.now()
  const result = await Bun.build({
    entrypoints: ['src/index.ts', ...workerEntryPoints].map((path) => join(root, path)),
    root,
    minify: true,
    sourcemap: 'linked',
    compile: { ...(target ? { target: `bun-${target}` } : {}), outfile, assets: assets.map((path) => join(root, path)) } as never,
  })
  if (!result.success) {
    for (const message of result.logs) console.error(message)
    process.exit(1)
  }
  console.log(`[compile] ${outfile} (${((await Bun.file(outfile).size) / 1048576).toFixed(0)} MB, ${Math.round(performance.now() - started)} ms)`)
}

if (targets.length === 0) await compile()
else for (const target of targets) await compile(target as Target)
