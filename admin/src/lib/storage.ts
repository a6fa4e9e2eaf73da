/**
 * Browser storage that never throws (private mode, full quota): the console must keep working
 * even when nothing can be remembered.
 */

export function readStored(storage: Storage, key: string): string | null {
  try {
    return storage.getItem(key)
  } catch {
    return null
  }
}

export function writeStored(storage: Storage, key: string, value: string | null): void {
  try {
    if (value === null) storage.removeItem(key)
    else storage.setItem(key, value)
  } catch {
    // Nothing to do: the value is simply not remembered.
  }
}

export function readStoredJson<T>(storage: Storage, key: string): T | null {
  const text = readStored(storage, key)
  if (text === null) return null
  try {
    return JSON.parse(text) as T
  } catch {
    return null
  }
}

/** Per-user UI settings (page sizes, chart choices) live in localStorage keyed by user id. */
export function readPreference<T>(userId: number | undefined, name: string, fallback: T): T {
  if (userId === undefined) return fallback
  const stored = readStoredJson<T>(localStorage, `tollgate.preference.${userId}.${name}`)
  return stored ?? fallback
}

export function writePreference(userId: number | undefined, name: string, value: unknown): void {
  if (userId === undefined) return
  writeStored(localStorage, `tollgate.preference.${userId}.${name}`, JSON.stringify(value))
}
