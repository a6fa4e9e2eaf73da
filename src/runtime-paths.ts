import { join } from 'node:path'
import { pathToFileURL } from 'node:url'

/**
 * Where Tollgate's own files are, run from source or from the compiled binary (`bun run compile`). Every file of
 * the project that code opens at run time is located here, because the binary breaks the usual
 * `new URL('./x', import.meta.url)`:
 *
 * - In the binary every module's `import.meta.url` is the binary's own (`/$bunfs/root/tollgate`), so a path
 *   relative to a module's file points at the wrong folder.
 * - The migrations and the built console are embedded with `--asset drizzle --asset admin/dist`, which puts each
 *   folder under `/$bunfs/root` by its last name (`drizzle`, `dist`); node:fs and Bun.file read them there.
 * - Worker threads are extra entry points of the build; Bun puts each at its project-relative path with `.js`
 *   in place of `.ts`. A worker whose file is not an entry point of the build does not exist in the binary.
 *
 * src/build/compile.ts is the other half: it passes exactly these assets and entry points.
 */
export const standalone = Bun.isStandaloneExecutable

/** The checkout's root from source; the embedded tree's root in the binary. */
const root = standalone ? import.meta.dir : join(import.meta.dir, '..')

/** The folder of a dialect's migrations (drizzle-kit's output). */
export const migrationsFolder = (dialect: 'sqlite' | 'pg') => join(root, 'drizzle', dialect)

/** The built console (`bun run build`). */
export const consoleFolder = () => join(root, standalone ? 'dist' : 'admin/dist')

/** What `new Worker()` takes for a worker entry point given by its source path (`src/db/sqlite-writer.worker.ts`). */
export const workerEntry = (relative: string) => (standalone ? join(root, relative.replace(/\.ts$/, '.js')) : pathToFileURL(join(root, relative)).href)

/** How a user runs the import from here: `tollgate import` in the binary, `bun run import` from source. */
export const importCommand = standalone ? `${process.execPath} import` : 'bun run import'

/** The command that starts another Tollgate process (the cluster's children). */
export const selfCommand = (): string[] => (standalone ? [process.execPath] : [process.execPath, join(root, 'src/index.ts')])
