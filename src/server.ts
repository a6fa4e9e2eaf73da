import type { Config } from './config.ts'
import { openDatabase, type Database } from './db/index.ts'
import { createStore, type Store } from './db/store.ts'
import { createSecretBox, createSigner, loadOrCreateSecret } from './security/crypto.ts'
import { createLocalBus, createRedisBus, type InvalidationBus } from './cache/bus.ts'
import { createCaches, type Caches } from './cache/index.ts'
import { createLoginThrottle } from './auth/throttle.ts'
import { createApp, type App } from './app.ts'
import { ensureRootUser } from './api/users.ts'

export interface RunningServer {
  app: App
  url: string
  port: number
  store: Store
  caches: Caches
  database: Database
  /** Graceful stop: refuse new connections, let in-flight requests finish, flush writers, close storage. */
  stop(): Promise<void>
}

/**
 * Build every part from the configuration and start listening. Used by `src/index.ts` and by tests that need a
 * whole server on a real port.
 */
export async function startServer(config: Config, options: { log?: (line: string) => void; primary?: boolean } = {}): Promise<RunningServer> {
  const log = options.log ?? ((line: string) => console.log(line))
  const cryptoSecret = loadOrCreateSecret(config.dataDir, '.crypto-secret', config.cryptoSecret)
  const sessionSecret = loadOrCreateSecret(config.dataDir, '.session-secret', config.sessionSecret)
  if (cryptoSecret.generated || sessionSecret.generated) {
    log(`[tollgate] CRYPTO_SECRET/SESSION_SECRET not set: using secrets kept in ${config.dataDir}. Several nodes must share them: set both explicitly.`)
  }
  const secretBox = createSecretBox(cryptoSecret.secret)
  const database = await openDatabase(config)
  const store = createStore(database)
  if (options.primary !== false) {
    const root = await ensureRootUser({ store, config })
    if (root.generatedPassword) {
      log(`[tollgate] created user "root" with password: ${root.generatedPassword}`)
      log('[tollgate] this password is shown once; you will be asked to change it at first sign-in.')
    } else if (root.created) {
      log('[tollgate] created user "root" with INITIAL_ROOT_PASSWORD')
    }
  }
  const bus: InvalidationBus = config.redisUrl ? await createRedisBus(config.redisUrl) : createLocalBus()
  const caches = await createCaches({ store, secretBox, bus })
  caches.startResync(config.syncFrequencySeconds)

  const app = createApp({
    config, store, caches, secretBox, signer: createSigner(sessionSecret.secret), throttle: createLoginThrottle(),
  })
  app.listen({
    port: config.port,
    hostname: config.host,
    reusePort: config.cluster > 1,
    maxRequestBodySize: config.maxRequestBodyMb * 1024 * 1024,
    // Slow models may think for minutes before the first byte; the relay enforces STREAMING_TIMEOUT itself.
    idleTimeout: 0,
  })
  const server = app.server!
  const url = `http://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${server.port}`
  let stopping: Promise<void> | undefined
  return {
    app, url, port: server.port!, store, caches, database,
    stop() {
      stopping ??= (async () => {
        await server.stop(false)
        caches.stop()
        await bus.close()
        await database.close()
      })()
      return stopping
    },
  }
}
