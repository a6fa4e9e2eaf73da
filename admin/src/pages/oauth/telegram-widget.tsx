import { onCleanup, onMount, type JSX } from 'solid-js'
import type { TelegramUser } from '../../lib/oauth.ts'

/** The global Telegram's widget calls (`data-onauth`); one widget is on a page at a time. */
const CALLBACK = 'tollgateTelegramAuth'

/**
 * Telegram's login widget. Its script is added only where this is drawn, so only when Telegram sign-in is on; it
 * draws Telegram's button into this element and, once the user confirms in Telegram, calls `onAuth` with the signed
 * data, which the server verifies.
 */
export function TelegramWidget(props: { botName: string; onAuth: (user: TelegramUser) => void }): JSX.Element {
  let host!: HTMLDivElement
  onMount(() => {
    ;(window as unknown as Record<string, unknown>)[CALLBACK] = (user: TelegramUser) => props.onAuth(user)
    const script = document.createElement('script')
    script.async = true
    script.src = 'https://telegram.org/js/telegram-widget.js?22'
    script.dataset.telegramLogin = props.botName
    script.dataset.size = 'large'
    script.dataset.onauth = `${CALLBACK}(user)`
    script.dataset.requestAccess = 'write'
    host.append(script)
  })
  onCleanup(() => { delete (window as unknown as Record<string, unknown>)[CALLBACK] })
  return <div class="telegram-widget" ref={host} data-testid="telegram-widget" />
}
