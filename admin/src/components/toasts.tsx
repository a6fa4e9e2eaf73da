import { createSignal, For, type JSX } from 'solid-js'
import { errorMessage } from '../lib/api.ts'

export interface Toast {
  id: number
  kind: 'success' | 'error' | 'info'
  text: string
}

const [toasts, setToasts] = createSignal<Toast[]>([])
let nextId = 1

export function notify(kind: Toast['kind'], text: string): void {
  const id = nextId++
  setToasts((list) => [...list.slice(-3), { id, kind, text }])
  // Errors stay longer: they are what the operator has to read.
  setTimeout(() => setToasts((list) => list.filter((toast) => toast.id !== id)), kind === 'error' ? 8000 : 3500)
}

export function Toasts(): JSX.Element {
  return (
    <div class="toasts" role="status" aria-live="polite">
      <For each={toasts()}>
        {(toast) => (
          <div class={`toast toast-${toast.kind}`} onClick={() => setToasts((list) => list.filter((item) => item.id !== toast.id))}>
            {toast.text}
          </div>
        )}
      </For>
    </div>
  )
}

/** Run a mutation and say how it went: a success toast, or the server's refusal. Resolves to whether it worked. */
export async function notifyOutcome(run: () => Promise<unknown>, success?: string): Promise<boolean> {
  try {
    await run()
    if (success) notify('success', success)
    return true
  } catch (error) {
    notify('error', errorMessage(error))
    return false
  }
}
