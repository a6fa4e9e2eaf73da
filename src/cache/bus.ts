import { randomUUID } from 'node:crypto'

/** What changed. `id` narrows a reload to one row; absent means reload the whole kind. */
export interface Invalidation {
  kind: 'users' | 'tokens' | 'channels' | 'options' | 'sessions'
  id?: number
}

/**
 * Invalidation bus. In-process by default; Redis pub/sub when REDIS_URL is set so every node drops stale entries
 * within a round trip. A node applies its own changes directly and ignores its own echoes.
 */
export interface InvalidationBus {
  readonly nodeId: string
  publish(message: Invalidation): Promise<void>
  subscribe(handler: (message: Invalidation) => void): void
  close(): Promise<void>
}

const CHANNEL = 'tollgate:invalidate'

export function createLocalBus(): InvalidationBus {
  const handlers: ((message: Invalidation) => void)[] = []
  return {
    nodeId: randomUUID(),
    publish: async () => {},
    subscribe: (handler) => { handlers.push(handler) },
    close: async () => {},
  }
}

export async function createRedisBus(url: string): Promise<InvalidationBus> {
  // Loaded only when Redis is configured: a single node does not pay its memory.
  const { default: Redis } = await import('ioredis')
  const nodeId = randomUUID()
  const publisher = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 2 })
  const subscriber = new Redis(url, { lazyConnect: true })
  await Promise.all([publisher.connect(), subscriber.connect()])
  const handlers: ((message: Invalidation) => void)[] = []
  subscriber.on('message', (_channel: string, payload: string) => {
    let message: Invalidation & { node?: string }
    try { message = JSON.parse(payload) } catch { return }
    if (message.node === nodeId) return
    for (const handler of handlers) handler({ kind: message.kind, id: message.id })
  })
  await subscriber.subscribe(CHANNEL)
  return {
    nodeId,
    async publish(message) {
      // A lost publish is repaired by the periodic resync; it must not fail the admin call that made the change.
      await publisher.publish(CHANNEL, JSON.stringify({ ...message, node: nodeId })).catch((error: Error) => {
        console.warn(`[bus] publish failed, other nodes catch up at the next resync: ${error.message}`)
      })
    },
    subscribe: (handler) => { handlers.push(handler) },
    async close() {
      subscriber.disconnect()
      await publisher.quit().catch(() => publisher.disconnect())
    },
  }
}

type Subprocess = { send(message: unknown): void }

/**
 * The bus between the processes of one machine's cluster when there is no Redis: children send their changes to
 * the primary over IPC, and the primary passes every change on to all the others.
 */
export function createClusterBus(role: 'primary' | 'child'): InvalidationBus & { attach(child: Subprocess): void; receive(message: Invalidation, from?: Subprocess): void } {
  const nodeId = randomUUID()
  const handlers: ((message: Invalidation) => void)[] = []
  const children: Subprocess[] = []
  const deliver = (message: Invalidation) => { for (const handler of handlers) handler(message) }
  const isInvalidation = (message: unknown): message is Invalidation =>
    typeof message === 'object' && message !== null && ['users', 'tokens', 'channels', 'options'].includes((message as Invalidation).kind)
  if (role === 'child') {
    process.on('message', (message: unknown) => { if (isInvalidation(message)) deliver(message) })
  }
  return {
    nodeId,
    async publish(message) {
      if (role === 'child') process.send?.(message)
      else for (const child of children) child.send(message)
    },
    subscribe: (handler) => { handlers.push(handler) },
    attach: (child) => { children.push(child) },
    /** Primary side of the IPC channel: apply a child's change here and pass it on to the other children. */
    receive(message, from) {
      if (!isInvalidation(message)) return
      deliver(message)
      for (const child of children) if (child !== from) child.send(message)
    },
    close: async () => {},
  }
}
