import type { ClientAddress } from '../net/client-address.ts'
import { Elysia } from 'elysia'
import type { RelayCaller } from '../auth/api-key.ts'
import type { Ledger } from '../billing/ledger.ts'
import { createTaskBilling } from '../billing/task-billing.ts'
import type { UsageWriter } from '../billing/usage-writer.ts'
import type { Caches } from '../cache/index.ts'
import type { ChannelClient } from '../channels/channel-client.ts'
import type { ChannelHealth } from '../channels/channel-health.ts'
import type { Config } from '../config.ts'
import type { Store } from '../db/store.ts'
import type { SecretBox } from '../security/crypto.ts'
import { createMidjourneyAdaptor } from './midjourney/midjourney-adaptor.ts'
import { midjourneyRoutes } from './midjourney/midjourney-routes.ts'
import { createTaskPoller } from './poller.ts'
import { createRedisLease, localLease } from './poller-lease.ts'
import { createSunoAdaptor } from './suno/suno-adaptor.ts'
import { sunoRoutes } from './suno/suno-routes.ts'
import { createTaskRelay } from './task-relay.ts'
import type { RelayTraffic } from '../traffic/relay-traffic.ts'
import { createTaskUpdater } from './task-updates.ts'
import { createVideoAdaptor } from './video/video-adaptor.ts'
import { videoRoutes } from './video/video-routes.ts'

export interface TaskDependencies {
  config: Config
  store: Store
  caches: Caches
  secretBox: SecretBox
  ledger: Ledger
  writer: UsageWriter
  channels: ChannelClient
  health: ChannelHealth
  authenticate(request: Request, path: string, clientAddress: string): RelayCaller
  /** The client's address (TRUSTED_PROXIES), for allow-lists and logs. */
  addressOf: ClientAddress
  log?: (line: string) => void
  /** Rate limits for submissions (src/traffic/). */
  traffic?: RelayTraffic
}

/**
 * The task registry: every asynchronous family (Midjourney, Suno, video; one folder each, one TaskAdaptor), their routes, the one relay and
 * the one poller that run them all. A new family is a folder and one entry in `adaptors` and `routes` here.
 */
export async function createTasks(dependencies: TaskDependencies) {
  const { config, store, caches, secretBox, ledger, writer, channels, health } = dependencies
  const billing = createTaskBilling({ ledger, writer })
  const relay = createTaskRelay({ caches, ledger, writer, billing, channels, health, tasks: store.tasks, authenticate: dependencies.authenticate, traffic: dependencies.traffic })
  const midjourney = createMidjourneyAdaptor({ caches, secretBox })
  const suno = createSunoAdaptor()
  const video = createVideoAdaptor()
  const adaptors = [midjourney, suno, video]
  const updater = createTaskUpdater({ tasks: store.tasks, billing, adaptors, log: dependencies.log })
  // A lease three rounds long: a node that dies is replaced within three rounds.
  const lease = config.redisUrl ? await createRedisLease(config.redisUrl, Math.max(3 * config.taskPollIntervalMs, 1000)) : localLease()
  const poller = createTaskPoller({ store, caches, channels, adaptors, updater, lease, intervalMs: config.taskPollIntervalMs, timeoutMinutes: config.taskTimeoutMinutes, log: dependencies.log })
  const routeDependencies = { config, caches, store, secretBox, channels, relay, updater, addressOf: dependencies.addressOf }
  const routes = new Elysia({ name: 'tollgate.tasks' })
    .use(midjourneyRoutes({ ...routeDependencies, adaptor: midjourney }))
    .use(sunoRoutes({ ...routeDependencies, adaptor: suno }))
    .use(videoRoutes({ ...routeDependencies, adaptor: video }))
  return {
    routes, poller, updater,
    start() { if (config.updateTask) poller.start() },
    stop: () => poller.stop(),
  }
}

export type Tasks = Awaited<ReturnType<typeof createTasks>>
