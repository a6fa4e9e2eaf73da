import './production-defaults.ts'
import { ConfigError, loadConfig, type Config } from './config.ts'
import { startServer } from './server.ts'
import { createClusterBus } from './cache/bus.ts'
import { checkDataDir } from './security/data-dir.ts'
import { selfCommand } from './runtime-paths.ts'

/** The gateway process (src/index.ts starts it): validate configuration, start one process or a cluster sharing the port, stop gracefully. */
async function main() {
  // `tollgate import <source>` (the binary) is `bun run import <source>`.
  if (process.argv[2] === 'import') process.exit(await (await import('./import/cli.ts')).main(process.argv.slice(3)))
  let config: Config
  try {
    config = loadConfig()
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`[tollgate] ${error.message}`)
      process.exit(1)
    }
    throw error
  }

  const unwritable = checkDataDir(config.dataDir)
  if (unwritable) {
    console.error(`[tollgate] ${unwritable}`)
    process.exit(1)
  }

  const isClusterChild = process.env.TOLLGATE_CLUSTER_CHILD === '1'
  const clustered = config.cluster > 1 || isClusterChild
  // Without Redis the cluster's processes tell each other about changes over IPC.
  const clusterBus = clustered && !config.redisUrl ? createClusterBus(isClusterChild ? 'child' : 'primary') : undefined
  if (clustered && !config.redisUrl && !isClusterChild) {
    console.warn('[tollgate] CLUSTER without REDIS_URL: each process keeps its own quota counters, so concurrent spending on one token may briefly exceed its quota by up to one reservation per process; set REDIS_URL for exact shared counters.')
  }
  const running = await startServer(config, { primary: !isClusterChild, bus: clusterBus, instance: Number(process.env.TOLLGATE_CLUSTER_INDEX ?? 0) })
  // Start-up leaves garbage (migrations, cache loads, route compilation); one full collection returns it now
  // instead of it sitting in resident memory until load arrives.
  Bun.gc(true)
  console.log(`[tollgate] listening on ${running.url} (${running.database.dialect}${config.redisUrl ? ' + redis' : ''}) — admin at /, API docs at /swagger`)

  const children: ReturnType<typeof Bun.spawn>[] = []
  if (config.cluster > 1 && !isClusterChild) {
    for (let index = 1; index < config.cluster; index++) {
      const child = Bun.spawn(selfCommand(), {
        env: { ...process.env, TOLLGATE_CLUSTER_CHILD: '1', TOLLGATE_CLUSTER_INDEX: String(index), PORT: String(running.port) },
        stdout: 'inherit', stderr: 'inherit',
        ipc: (message, from) => clusterBus?.receive(message as never, from),
      })
      clusterBus?.attach(child)
      children.push(child)
    }
    console.log(`[tollgate] cluster: ${config.cluster} processes share port ${running.port}`)
  }

  let shuttingDown = false
  const shutdown = async (signal: string) => {
    if (shuttingDown) return
    shuttingDown = true
    console.log(`[tollgate] ${signal}: finishing in-flight requests and flushing logs`)
    for (const child of children) child.kill('SIGTERM')
    await Promise.all([running.stop(), ...children.map((child) => child.exited)])
    process.exit(0)
  }
  process.on('SIGTERM', () => void shutdown('SIGTERM'))
  process.on('SIGINT', () => void shutdown('SIGINT'))
}

await main()
