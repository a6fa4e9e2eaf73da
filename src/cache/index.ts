import type { Store, TokenRow, UserRow } from '../db/store.ts'
import type { SecretBox } from '../security/crypto.ts'
import type { Invalidation, InvalidationBus } from './bus.ts'
import { parseOptions, type RuntimeOptions } from './options.ts'
import { buildRoutingIndex, toCachedChannel, type RoutingIndex } from './routing.ts'

/**
 * In-memory views of users, tokens, channels and options. Each view is rebuilt off to the side and swapped in
 * with one assignment, so a request never sees a half-built index. Changes made here are published on the bus;
 * changes announced by other nodes are pulled from the database; a periodic full resync repairs anything missed.
 */
export interface Caches {
  readonly options: RuntimeOptions
  readonly routing: RoutingIndex
  user(id: number): UserRow | undefined
  tokenByHash(hash: string): TokenRow | undefined
  token(id: number): TokenRow | undefined
  /** Whether the session `id` was signed out (on any node; the list is reloaded on every announced sign-out). */
  sessionRevoked(id: string): boolean
  /** Reload the named data here and tell the other nodes. Call after every committed change. */
  invalidate(message: Invalidation): Promise<void>
  reloadAll(): Promise<void>
  /** Entries held, for the metrics. */
  sizes(): { users: number; tokens: number; channels: number }
  startResync(seconds: number): void
  /** Called after every reload of the options (a change here, on another node, or a resync). */
  onOptionsChanged(listener: (options: RuntimeOptions) => void): void
  stop(): void
}

export async function createCaches(dependencies: { store: Store; secretBox: SecretBox; bus: InvalidationBus; flushEpoch?: () => number }): Promise<Caches> {
  const { store, secretBox, bus } = dependencies
  const flushEpoch = dependencies.flushEpoch ?? (() => 0)

  /**
   * Quota columns move with every usage flush. A read that overlapped a committed flush may or may not include
   * it, while the quota ledger has already moved it: read again until no flush committed in between.
   */
  async function consistentRead<T>(read: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const before = flushEpoch()
      const result = await read()
      if (flushEpoch() === before || attempt === 4) return result
    }
  }
  let options = parseOptions({})
  let routing = buildRoutingIndex([])
  let users = new Map<number, UserRow>()
  let tokensByHash = new Map<string, TokenRow>()
  let tokensById = new Map<number, TokenRow>()
  let revokedSessions = new Set<string>()
  let timer: ReturnType<typeof setInterval> | undefined

  const optionListeners: ((options: RuntimeOptions) => void)[] = []
  const loaders = {
    async sessions() {
      const now = Math.floor(Date.now() / 1000)
      revokedSessions = new Set(await store.sessions.revokedIds(now))
      await store.sessions.deleteExpired(now)
    },
    async options() {
      options = parseOptions(await store.options.all())
      for (const listener of optionListeners) listener(options)
    },
    async channels() {
      const rows = await store.channels.all()
      const channels = []
      for (const row of rows) {
        try {
          channels.push(toCachedChannel(row, secretBox))
        } catch (error) {
          // A key sealed under another CRYPTO_SECRET cannot be used; keep serving the others and say which.
          console.error(`[cache] channel ${row.id} skipped: its key cannot be decrypted (${(error as Error).message}); is CRYPTO_SECRET the one it was saved with?`)
        }
      }
      routing = buildRoutingIndex(channels)
    },
    async users(id?: number) {
      if (id === undefined) {
        users = new Map((await consistentRead(() => store.users.all())).map((row) => [row.id, row]))
        return
      }
      const row = await consistentRead(() => store.users.get(id))
      const next = new Map(users)
      if (row) next.set(id, row)
      else next.delete(id)
      users = next
    },
    async tokens(id?: number) {
      if (id === undefined) {
        const rows = await consistentRead(() => store.tokens.all())
        tokensByHash = new Map(rows.map((row) => [row.keyHash, row]))
        tokensById = new Map(rows.map((row) => [row.id, row]))
        return
      }
      const row = await consistentRead(() => store.tokens.get(id))
      const previous = tokensById.get(id)
      const byHash = new Map(tokensByHash)
      const byId = new Map(tokensById)
      if (previous) byHash.delete(previous.keyHash)
      if (row) {
        byHash.set(row.keyHash, row)
        byId.set(id, row)
      } else {
        byId.delete(id)
      }
      tokensByHash = byHash
      tokensById = byId
    },
  }

  const reload = (message: Invalidation) => {
    switch (message.kind) {
      case 'options': return loaders.options()
      case 'channels': return loaders.channels()
      case 'users': return loaders.users(message.id)
      case 'tokens': return loaders.tokens(message.id)
      case 'sessions': return loaders.sessions()
    }
  }

  const reloadAll = async () => {
    await Promise.all([loaders.options(), loaders.channels(), loaders.users(), loaders.tokens(), loaders.sessions()])
  }

  bus.subscribe((message) => {
    reload(message)?.catch((error: Error) => console.error(`[cache] reload of ${message.kind} failed: ${error.message}`))
  })
  await reloadAll()

  return {
    get options() { return options },
    get routing() { return routing },
    user: (id) => users.get(id),
    tokenByHash: (hash) => tokensByHash.get(hash),
    token: (id) => tokensById.get(id),
    sessionRevoked: (id) => revokedSessions.has(id),
    async invalidate(message) {
      await reload(message)
      await bus.publish(message)
    },
    reloadAll,
    sizes: () => ({ users: users.size, tokens: tokensById.size, channels: routing.byId.size }),
    startResync(seconds) {
      timer = setInterval(() => {
        reloadAll().catch((error: Error) => console.error(`[cache] periodic resync failed: ${error.message}`))
      }, seconds * 1000)
      timer.unref?.()
    },
    onOptionsChanged: (listener) => { optionListeners.push(listener) },
    stop() { if (timer) clearInterval(timer) },
  }
}
