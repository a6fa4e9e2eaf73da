/**
 * Form drafts in sessionStorage. Every keystroke is kept, so when a save meets a 401 the user
 * signs in again and comes back to the same form with what they typed. A draft is dropped once
 * the server accepts the form.
 */
import { createEffect, on } from 'solid-js'
import { createStore, reconcile, unwrap, type SetStoreFunction } from 'solid-js/store'
import { readStoredJson, writeStored } from './storage.ts'

const prefix = 'tollgate.draft.'

export interface Draft<T extends object> {
  values: T
  set: SetStoreFunction<T>
  /** True when the form was filled from a stored draft rather than from its source. */
  restored: () => boolean
  /** Replace all values (e.g. with the server's record) without marking them as a draft. */
  reset: (values: T) => void
  /** Forget the draft (after a successful save or a discard). */
  clear: () => void
}

export function createDraft<T extends object>(key: string, initial: T): Draft<T> {
  const storageKey = prefix + key
  const stored = readStoredJson<T>(sessionStorage, storageKey)
  const [values, set] = createStore<T>(stored ? { ...initial, ...stored } : initial)
  let restored = stored !== null
  // What the form held when it was opened or last reset; equal to it means "nothing typed".
  let baseline = stored ? '' : JSON.stringify(values)
  createEffect(
    on(
      () => JSON.stringify(values),
      (serialised) => {
        if (serialised === baseline) writeStored(sessionStorage, storageKey, null)
        else writeStored(sessionStorage, storageKey, serialised)
      },
      { defer: true },
    ),
  )
  return {
    values,
    set,
    restored: () => restored,
    reset(next) {
      set(reconcile(next))
      baseline = JSON.stringify(values)
      restored = false
      writeStored(sessionStorage, storageKey, null)
    },
    clear() {
      baseline = JSON.stringify(values)
      writeStored(sessionStorage, storageKey, null)
      restored = false
    },
  }
}

export function hasDraft(key: string): boolean {
  return readStoredJson(sessionStorage, prefix + key) !== null
}

export function snapshot<T extends object>(values: T): T {
  return structuredClone(unwrap(values))
}
