import { createSignal, onCleanup, onMount, Show, type JSX } from 'solid-js'
import { status } from '../lib/session.ts'

/**
 * Cloudflare Turnstile, shown only when the server asks for it (/api/status `turnstile_check`): Cloudflare's script
 * is loaded then and not before. The widget's token is single use; `reset()` after each submit gets a fresh one.
 */

interface TurnstileApi {
  render(element: HTMLElement, options: { sitekey: string; callback: (token: string) => void; 'expired-callback': () => void; 'error-callback': () => void }): string
  reset(widgetId: string): void
  remove(widgetId: string): void
}
declare global { interface Window { turnstile?: TurnstileApi } }

const scriptUrl = 'https://challenges.cloudflare.com/turnstile/v0/api.js?render=explicit'
let loading: Promise<TurnstileApi> | undefined

function loadTurnstile(): Promise<TurnstileApi> {
  loading ??= new Promise((resolve, reject) => {
    const script = document.createElement('script')
    script.src = scriptUrl
    script.async = true
    script.onload = () => (window.turnstile ? resolve(window.turnstile) : reject(new Error('Turnstile did not load')))
    script.onerror = () => {
      loading = undefined
      reject(new Error('Turnstile could not be loaded'))
    }
    document.head.appendChild(script)
  })
  return loading
}

export const turnstileRequired = () => status()?.turnstile_check === true

export interface TurnstileControl {
  /** The current token ('' while the check is not done, or when Turnstile is off). */
  token: () => string
  /** Tokens work once: call after every request that used one. */
  reset: () => void
  Widget: () => JSX.Element
}

export function createTurnstile(): TurnstileControl {
  const [token, setToken] = createSignal('')
  let widgetId: string | undefined
  const reset = () => {
    setToken('')
    if (widgetId !== undefined) window.turnstile?.reset(widgetId)
  }
  function Widget(): JSX.Element {
    let container!: HTMLDivElement
    onMount(() => {
      if (!turnstileRequired()) return
      loadTurnstile().then((turnstile) => {
        widgetId = turnstile.render(container, {
          sitekey: String(status()?.turnstile_site_key ?? ''), callback: setToken, 'expired-callback': () => setToken(''), 'error-callback': () => setToken(''),
        })
      }, () => {})
    })
    onCleanup(() => { if (widgetId !== undefined) window.turnstile?.remove(widgetId) })
    return <Show when={turnstileRequired()}><div class="turnstile" ref={container} data-testid="turnstile" /></Show>
  }
  return { token, reset, Widget }
}
