import { describe, expect, test } from 'bun:test'
import { join } from 'node:path'
import { configVariables } from '../config.ts'

/**
 * The Dockerfile, .dockerignore and docker-compose.yml, checked without a Docker engine (none runs on CI's machine
 * kind): the compose file's environment must name only variables the gateway reads, and the image must own its
 * volume. Where the `docker compose` plugin is installed, `docker compose config` validates the file as well.
 */
const root = join(import.meta.dir, '../..')
const read = (name: string) => Bun.file(join(root, name)).text()

interface ComposeService {
  image?: string
  build?: string
  profiles?: string[]
  environment?: Record<string, string>
  volumes?: string[]
  depends_on?: Record<string, unknown>
}

const knownVariables = new Set(configVariables.flatMap((variable) => variable.names))

describe('docker-compose.yml', async () => {
  const compose = Bun.YAML.parse(await read('docker-compose.yml')) as { services: Record<string, ComposeService> }
  const gateways = Object.entries(compose.services).filter(([, service]) => service.image === 'tollgate:latest')

  test('every gateway variable is one the configuration reads', () => {
    expect(gateways.length).toBe(3)
    for (const [name, service] of gateways) {
      for (const variable of Object.keys(service.environment ?? {})) {
        if (!knownVariables.has(variable)) throw new Error(`service ${name} sets ${variable}, which the gateway does not read (src/config.ts)`)
      }
      expect(service.volumes?.some((volume) => volume.endsWith(':/data'))).toBe(true)
    }
  })

  test('the default is one gateway on SQLite; the cluster profile shares one Postgres, one Redis and both secrets', () => {
    const single = compose.services.tollgate!
    expect(single.profiles).toBeUndefined()
    expect(single.environment?.DATABASE_URL).toBeUndefined()
    const nodes = [compose.services['node-1']!, compose.services['node-2']!]
    for (const node of nodes) {
      expect(node.profiles).toEqual(['cluster'])
      expect(Object.keys(node.depends_on ?? {}).sort()).toEqual(['postgres', 'redis'])
    }
    for (const variable of ['DATABASE_URL', 'REDIS_URL', 'SESSION_SECRET', 'CRYPTO_SECRET']) {
      expect(nodes[0]!.environment?.[variable]).toBeTruthy()
      expect(nodes[1]!.environment?.[variable]).toBe(nodes[0]!.environment?.[variable]!)
    }
    // Each node keeps its own data folder (its usage journal must not be shared).
    expect(nodes[0]!.volumes).not.toEqual(nodes[1]!.volumes!)
  })

  // Compose v2 (the docker plugin) or v1 (Debian's docker-compose, which .ci/run installs): `config` needs no engine.
  const composeCommand = [['docker', 'compose'], ['docker-compose']].find((command) => {
    try {
      return Bun.spawnSync([...command, 'version'], { stdout: 'ignore', stderr: 'ignore' }).exitCode === 0
    } catch {
      return false
    }
  })
  if (!composeCommand) console.warn('[tests] `docker compose config` skipped: neither the docker compose plugin nor docker-compose is installed')
  test.skipIf(!composeCommand)('docker compose config accepts it, with and without the cluster profile', () => {
    for (const profile of [[], ['--profile', 'cluster']]) {
      const checked = Bun.spawnSync([...composeCommand!, ...profile, 'config', '--quiet'], { cwd: root, stdout: 'pipe', stderr: 'pipe' })
      expect(checked.stderr.toString()).toBe('')
      expect(checked.exitCode).toBe(0)
    }
  }, 30_000)
})

describe('Dockerfile', async () => {
  const dockerfile = await read('Dockerfile')
  const runtime = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '))

  test('the runtime stage runs as a non-root user that owns the /data volume', () => {
    const owned = runtime.search(/RUN mkdir -p \/data && chown bun:bun \/data/)
    const volume = runtime.indexOf('VOLUME /data')
    const user = runtime.indexOf('USER bun')
    expect(owned).toBeGreaterThan(0)
    // A named volume copies the owner of the image's folder only if the folder exists before VOLUME.
    expect(owned).toBeLessThan(volume)
    expect(user).toBeGreaterThan(owned)
    expect(runtime).toContain('ENV NODE_ENV=production DATA_DIR=/data')
  })

  test('.dockerignore keeps the host\'s dependencies, data and builds out of the context', async () => {
    const ignored = (await read('.dockerignore')).split('\n').map((line) => line.trim())
    for (const entry of ['.git', 'node_modules', 'data', 'dist', 'admin/dist', '.env']) expect(ignored).toContain(entry)
  })
})
