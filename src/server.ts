import { createClientAddress } from './net/client-address.ts'
import { metricsRoute } from './metrics/route.ts'
import { join } from 'node:path'
import { proxyFromEnvironment, type Config } from './config.ts'
import { openDatabase, type Database } from './db/index.ts'
import { createStore, type Store } from './db/store.ts'
import { createSecretBox, createSigner, loadOrCreateSecret } from './security/crypto.ts'
import { secureDataDir } from './security/data-dir.ts'
import { createLocalBus, createRedisBus, type InvalidationBus } from './cache/bus.ts'
import { createCaches, type Caches } from './cache/index.ts'
import { createLoginThrottle } from './auth/throttle.ts'
import { createApp, type App } from './app.ts'
import { errorResponse } from './errors.ts'
import { ensureRootUser } from './api/users.ts'
import { checkForLegacyDatabase } from './import/legacy-database.ts'
import { QuotaLedger, type Ledger } from './billing/ledger.ts'
import { createRedisLedger } from './billing/redis-ledger.ts'
import { createUsageWriter, type UsageWriter } from './billing/usage-writer.ts'
import { createSubscriptionJob } from './billing/subscriptions.ts'
import { createLowBalanceNotices } from './billing/low-balance.ts'
import { createMailer } from './auth/mail.ts'
import { createChannelClient } from './channels/channel-client.ts'
import { createChannelHealth } from './channels/channel-health.ts'
import { createChannelRequests } from './channels/channel-requests.ts'
import { createMemoryStateStore, createRedisStateStore } from './channels/state-store.ts'
import { createUpstreamClient } from './net/upstream-client.ts'
import { createRelay } from './relay/relay.ts'
import { createLimiter } from './traffic/index.ts'
import { createRelayTraffic } from './traffic/relay-traffic.ts'
import { createAddressLimits } from './traffic/address-limits.ts'
import { relayRoutes } from './relay/routes.ts'
import { createRealtimeRunner } from './relay/realtime/realtime-runner.ts'
import { realtimeRoutes, REALTIME_WEBSOCKET } from './relay/realtime/realtime-routes.ts'
import { createClientSecretIssuer } from './relay/realtime/realtime-client-secrets.ts'
import { createTasks, type Tasks } from './tasks/index.ts'
import type { ConversionRunner, TokenCounter } from './relay/token-counter.ts'
import { createWorkerPool } from '../workers/pool.ts'
import type { MediaOptions } from '../workers/protocol.ts'

/** How long a shutdown waits for in-flight requests before closing their connections. */
const SHUTDOWN_GRACE_MS = 30_000

export interface RunningServer {
  app: App
  url: string
  port: number
  store: Store
  caches: Caches
  database: Database
  writer: UsageWriter
  ledger: Ledger
  /** Asynchronous tasks (Midjourney, Suno): their poller, for tests and tools that drive a round by hand. */
  tasks: Tasks
  /** Wait for settlements still running after their responses, then flush the usage writer (tests, tools). */
  flushUsage(): Promise<void>
  /** Graceful stop: refuse new connections, let in-flight requests finish, flush writers, close storage. */
  stop(): Promise<void>
}

export interface ServerOptions {
  log?: (line: string) => void
  /** False in cluster children: the primary already created the root user. */
  primary?: boolean
  /** Which process of a cluster this is (0: the primary): each keeps its own usage write-ahead log in DATA_DIR. */
  instance?: number
  /** The invalidation bus; default: Redis when REDIS_URL is set, else in process. */
  bus?: InvalidationBus
  /** Token counter and stream converter; default: the worker pool, started here. */
  counter?: TokenCounter & Partial<ConversionRunner> & { close?(): Promise<void> }
}

/**
 * Build every part from the configuration and start listening. Used by `src/index.ts` and by tests that need a
 * whole server on a real port.
 */
export async function startServer(config: Config, options: ServerOptions = {}): Promise<RunningServer> {
  const log = options.log ?? ((line: string) => console.log(line))
  for (const warning of secureDataDir(config.dataDir)) log(`[tollgate] warning: ${warning}`)
  const cryptoSecret = loadOrCreateSecret(config.dataDir, '.crypto-secret', config.cryptoSecret)
  const sessionSecret = loadOrCreateSecret(config.dataDir, '.session-secret', config.sessionSecret)
  if (cryptoSecret.generated || sessionSecret.generated) {
    log(`[tollgate] CRYPTO_SECRET/SESSION_SECRET not set: using secrets kept in ${config.dataDir}. Several nodes must share them: set both explicitly.`)
  }
  const secretBox = createSecretBox(cryptoSecret.secret)
  if (config.upstreamClient === 'fetch' && proxyFromEnvironment()) log('[tollgate] HTTP(S)_PROXY is set: channels are called through fetch and that proxy (UPSTREAM_CLIENT=fetch)')
  if (options.primary !== false) await checkForLegacyDatabase(config, log)
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

  const ledger: Ledger = config.redisUrl ? await createRedisLedger(config.redisUrl, log) : new QuotaLedger()
  let caches: Caches | undefined
  let notices: ReturnType<typeof createLowBalanceNotices> | undefined
  const writer = createUsageWriter({
    store, intervalMs: config.logFlushIntervalMs, maxRows: config.logFlushRows, journalPath: join(config.dataDir, 'usage-journal.jsonl'), log,
    walPrefix: config.usageWal ? join(config.dataDir, options.instance ? `usage-wal-${options.instance}` : 'usage-wal') : undefined,
    onReplayed: (batch) => ledger.replayed(batch.users, batch.tokens),
    onCommitted: (batch) => {
      ledger.flushed(batch.users, batch.tokens, {
        user: (id) => {
          const row = caches?.user(id)
          return row && { persisted: () => Number(row.quota), commit: (spent) => { row.quota -= spent; row.usedQuota += spent } }
        },
        token: (id) => {
          const row = caches?.token(id)
          return row && { persisted: () => Number(row.remainQuota), commit: (spent) => { row.remainQuota -= spent; row.usedQuota += spent } }
        },
      })
      // Balances just moved: users now at or below their low-balance threshold get their one notice.
      if (batch.users.length) notices?.afterFlush(batch.users).catch((error: Error) => log(`[notices] ${error.message}`))
    },
  })
  const bus: InvalidationBus = options.bus ?? (config.redisUrl ? await createRedisBus(config.redisUrl) : createLocalBus())
  caches = await createCaches({ store, secretBox, bus, flushEpoch: () => writer.epoch })
  const mailer = createMailer({ caches, secretBox })
  notices = createLowBalanceNotices({ store, caches, secretBox, allowHosts: config.notifyWebhookAllowHosts, mailer, log })
  caches.startResync(config.syncFrequencySeconds)

  // One upstream client for every call to a channel (relay, channel tests, model discovery, balances), chosen once.
  const upstream = createUpstreamClient({ kind: config.upstreamClient, maxConnectionsPerOrigin: config.upstreamMaxConnectionsPerOrigin })
  // Preparers' shared state (Dify conversations): every node's through Redis when the gateway has it.
  const redisState = config.redisUrl ? await createRedisStateStore(config.redisUrl) : undefined
  const state = redisState ?? createMemoryStateStore()
  const channelClient = createChannelClient({ requests: createChannelRequests(config), upstream, state })
  const health = createChannelHealth({ store, caches, client: channelClient, writer, log })
  health.start()
  const media = (): MediaOptions => {
    const overrides = caches!.options.overrides
    return {
      getMediaToken: overrides.getMediaToken ?? config.getMediaToken,
      getMediaTokenNotStream: overrides.getMediaTokenNotStream ?? config.getMediaTokenNotStream,
      maxFileDownloadMb: overrides.maxFileDownloadMb ?? config.maxFileDownloadMb,
      geminiVisionMaxImageNum: config.geminiVisionMaxImageNum,
    }
  }
  // Workers start on first use: a gateway whose upstreams always report usage never pays for a tokenizer.
  const pool = options.counter ? undefined : createWorkerPool({ size: config.workerPoolSize, media: media() })
  if (pool) caches.onOptionsChanged(() => pool.setMediaOptions(media()))
  const counter = options.counter ?? pool!
  const conversions = options.counter?.runStreamConversion ? options.counter as ConversionRunner : pool
  // Imported only when on: prom-client (some 35 modules) is not on the heap of a gateway nobody scrapes.
  const metrics = config.metricsToken ? (await import('./metrics/metrics.ts')).createMetrics() : undefined
  const limiter = await createLimiter(config, log)
  const traffic = createRelayTraffic(limiter, caches)
  const relay = createRelay({ config, caches, secretBox, ledger, writer, counter, health, channels: channelClient, conversions, metrics: metrics?.relay, traffic })
  const addressOf = createClientAddress(config.trustedProxies)
  const dependencies = {
    config, store, caches, secretBox, signer: createSigner(sessionSecret.secret), throttle: createLoginThrottle(), addressOf,
    mailer,
    onQuotaChanged: (kind: 'user' | 'token', id: number, delta: number) => ledger.adjust(kind, id, delta),
  }
  const realtime = createRealtimeRunner({ config, caches, ledger, writer, relay, requests: channelClient.requests, health, counter, secretBox, traffic })
  const renderMetrics = metrics?.attach({ writer: () => writer.stats(), pool: pool && (() => pool.stats()), openStreams: relay.openStreams, openWebSockets: realtime.sessions, caches: () => caches!.sizes() })
  const clientSecrets = createClientSecretIssuer({ relay, caches, channels: channelClient, health, secretBox })
  const tasks = await createTasks({ config, store, caches, secretBox, ledger, writer, channels: channelClient, health, authenticate: relay.authenticate, addressOf, log, traffic })
  const app = createApp({
    ...dependencies,
    health, channelClient, addressLimits: createAddressLimits(limiter, config),
    plugins: [relayRoutes({ relay, caches, ledger, channels: channelClient, counter, addressOf }), realtimeRoutes(realtime, clientSecrets, addressOf), tasks.routes, ...(renderMetrics ? [metricsRoute(config.metricsToken!, renderMetrics)] : [])],
  })
  app.listen({
    port: config.port,
    hostname: config.host,
    reusePort: config.cluster > 1,
    // Twice MAX_REQUEST_BODY_MB: Bun refuses a body over its limit with an empty 413 before the app sees it, so its
    // limit sits above ours and a relay body announced as larger than ours is refused with a message (relay.ts).
    // A chunked body, which announces no length, and management bodies stay bounded by Bun's limit.
    maxRequestBodySize: config.maxRequestBodyMb * 2 * 1024 * 1024,
    // Slow models may think for minutes before the first byte; the relay enforces STREAMING_TIMEOUT itself.
    idleTimeout: 0,
    // Realtime sessions (src/relay/realtime/): Elysia's websocket handler calls the session each socket carries.
    websocket: REALTIME_WEBSOCKET,
    // Never Bun's development error page (stack frames, source lines), whatever NODE_ENV says; an error that escapes
    // the app's own handler is a bare 500 in the envelope shape, logged here.
    development: false,
    error(error: Error) {
      console.error(`[http] unhandled: ${error.stack ?? error}`)
      return errorResponse('envelope', { status: 500, message: 'Internal server error', type: 'new_api_error', code: 'internal_error' })
    },
  })

  // Hourly; the LogRetentionDays option (console) wins over LOG_RETENTION_DAYS. 0 keeps everything.
  const retention = setInterval(() => {
    const days = caches!.options.overrides.logRetentionDays ?? config.logRetentionDays
    if (days <= 0) return
    const cutoff = Math.floor(Date.now() / 1000) - days * 86400
    store.logs.deleteOlderThan(cutoff).then((deleted) => { if (deleted) log(`[retention] deleted ${deleted} usage logs older than ${days} days`) })
      .catch((error: Error) => log(`[retention] failed: ${error.message}`))
  }, 3600_000)
  retention.unref?.()
  // Subscription grants and expiries, every minute on every node (each step is claimed by one node).
  const subscriptionJob = createSubscriptionJob({ store, caches, onQuotaChanged: dependencies.onQuotaChanged, log })
  subscriptionJob.start(60)
  tasks.start()

  const server = app.server!
  const url = `http://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${server.port}`
  let stopping: Promise<void> | undefined
  return {
    app, url, port: server.port!, store, caches, database, writer, ledger, tasks,
    async flushUsage() {
      await relay.drain()
      await realtime.drain()
      await writer.flush()
    },
    stop() {
      stopping ??= (async () => {
        // Stop accepting, let in-flight requests (streams included) finish, then drop idle keep-alive
        // connections, which would otherwise hold the process open (the idle timeout is off for slow models).
        void server.stop(false)
        realtime.close()
        const deadline = Date.now() + SHUTDOWN_GRACE_MS
        while (server.pendingRequests > 0 && Date.now() < deadline) await Bun.sleep(20)
        await server.stop(true)
        await relay.drain()
        await realtime.drain()
        await tasks.stop()
        relay.close()
        upstream.close()
        clearInterval(retention)
        subscriptionJob.stop()
        health.stop()
        caches!.stop()
        await writer.stop()
        await (options.counter ?? pool)?.close?.()
        await bus.close()
        await ledger.close?.()
        await limiter.close?.()
        redisState?.close()
        await database.close()
      })()
      return stopping
    },
  }
}
