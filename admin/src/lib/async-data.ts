/**
 * How pages read server data: a `query` (keyed, deduplicated, revalidated after every `action`) read through
 * `createAsync`, wrapped so that reading never suspends and never throws. A table keeps showing the rows it has
 * while the next page or a revalidation loads, and a failure is a state the page shows in place.
 */
import { createAsync } from '@solidjs/router'
import { errorMessage } from './api.ts'

/** What a page knows about data it asked for: nothing yet, the value, or why it failed. */
export type Loaded<T> = { status: 'loading' } | { status: 'ready'; value: T } | { status: 'error'; error: string }

export function createLoaded<T>(load: () => Promise<T>): () => Loaded<T> {
  const data = createAsync<Loaded<T>>(
    async () => {
      try {
        return { status: 'ready', value: await load() }
      } catch (error) {
        return { status: 'error', error: errorMessage(error) }
      }
    },
    // With an initial value `latest` never suspends: the first load reads as 'loading', later ones as the last result.
    { initialValue: { status: 'loading' } },
  )
  return () => data.latest
}

export function valueOf<T>(loaded: Loaded<T>): T | undefined {
  return loaded.status === 'ready' ? loaded.value : undefined
}

export function mapLoaded<T, U>(loaded: Loaded<T>, map: (value: T) => U): Loaded<U> {
  return loaded.status === 'ready' ? { status: 'ready', value: map(loaded.value) } : loaded
}

export function errorOf(loaded: Loaded<unknown>): string | null {
  return loaded.status === 'error' ? loaded.error : null
}
