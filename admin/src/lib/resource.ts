import type { Resource } from 'solid-js'

/**
 * A resource's value without its side effects: no Suspense fallback (the page keeps showing the
 * previous page of rows while the next loads) and no throw on error (pages show `resource.error`).
 */
export function current<T>(resource: Resource<T>): T | undefined {
  const state = resource.state
  return state === 'ready' || state === 'refreshing' ? resource.latest : undefined
}
