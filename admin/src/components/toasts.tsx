import { createSignal, For, type JSX } from 'solid-js'

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
