import { createEffect, createSignal, For, on, onCleanup, Show, type JSX } from 'solid-js'
import { ErrorBanner } from '../../components/ui.tsx'
import type { Draft } from '../../lib/drafts.ts'
import { t } from '../../lib/i18n.ts'
import { Composer } from './media-modes.tsx'
import type { KeyState, PlaygroundState } from './playground-state.ts'

/** One line of the event log: what went which way, and a short summary of it. */
interface LoggedEvent { direction: 'sent' | 'received'; type: string; summary: string }

/** Events kept on screen; older ones are dropped (a long session streams thousands of deltas). */
const MAX_LOGGED = 300
const textDeltas = new Set(['response.output_text.delta', 'response.text.delta', 'response.output_audio_transcript.delta', 'response.audio_transcript.delta'])

/** The gateway's realtime URL on this page's host (ws:// or wss:// as the page is served). */
const realtimeUrl = (model: string) => `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/v1/realtime?model=${encodeURIComponent(model)}`

function summarise(event: Record<string, unknown>): string {
  if (typeof event.delta === 'string') return event.delta.length > 80 ? `${event.delta.slice(0, 80)}…` : event.delta
  const usage = (event.response as { usage?: { input_tokens?: number; output_tokens?: number } } | undefined)?.usage
  if (usage) return t('playground.usage', { prompt: usage.input_tokens ?? 0, completion: usage.output_tokens ?? 0 })
  const error = event.error as { message?: string } | undefined
  if (error?.message) return error.message
  const session = event.session as { id?: string } | undefined
  return session?.id ?? ''
}

/**
 * A text-only realtime session from the browser, through the gateway's /v1/realtime with the key in the
 * subprotocols (as a browser app would): the answer streams into the transcript, every event is listed, and each
 * response is billed and logged by the gateway like any other.
 */
export function RealtimeStudio(props: { draft: Draft<PlaygroundState>; keyState: () => KeyState }): JSX.Element {
  const state = props.draft.values
  const [socket, setSocket] = createSignal<WebSocket | null>(null)
  const [connecting, setConnecting] = createSignal(false)
  const [responding, setResponding] = createSignal(false)
  const [error, setError] = createSignal<string | null>(null)
  const [events, setEvents] = createSignal<LoggedEvent[]>([])
  const [answer, setAnswer] = createSignal('')
  const [closed, setClosed] = createSignal<string | null>(null)
  onCleanup(() => socket()?.close(1000))
  let eventList: HTMLOListElement | undefined
  // The newest event stays in view.
  createEffect(on(events, () => { if (eventList) eventList.scrollTop = eventList.scrollHeight }))

  const log = (entry: LoggedEvent) => setEvents((list) => [...list.slice(-(MAX_LOGGED - 1)), entry])
  const send = (open: WebSocket, event: Record<string, unknown>) => {
    open.send(JSON.stringify(event))
    log({ direction: 'sent', type: String(event.type), summary: '' })
  }

  const connect = () => {
    setError(null)
    const keyState = props.keyState()
    if ('problem' in keyState) return setError(keyState.problem)
    if (!state.realtimeModel) return setError(t('playground.pick_model'))
    setConnecting(true)
    setClosed(null)
    setEvents([])
    // Browsers cannot set headers on a WebSocket: the key goes in the subprotocols, as OpenAI's browser clients send it.
    const opened = new WebSocket(realtimeUrl(state.realtimeModel), ['realtime', `openai-insecure-api-key.${keyState.secret}`])
    opened.onopen = () => {
      setConnecting(false)
      setSocket(opened)
      send(opened, { type: 'session.update', session: { type: 'realtime', output_modalities: ['text'] } })
    }
    opened.onmessage = (message) => {
      let event: Record<string, unknown>
      try { event = JSON.parse(String(message.data)) } catch { return }
      const type = String(event.type)
      log({ direction: 'received', type, summary: summarise(event) })
      if (textDeltas.has(type) && typeof event.delta === 'string') setAnswer((text) => text + event.delta)
      if (type === 'response.done') setResponding(false)
      if (type === 'error') setError((event.error as { message?: string } | undefined)?.message ?? t('playground.error'))
    }
    opened.onclose = (event) => {
      setConnecting(false)
      setResponding(false)
      setSocket(null)
      // A refused upgrade (bad key, unknown model) closes before opening: the browser gives no status, only 1006.
      setClosed(t('playground.realtime_closed', { code: event.code, reason: event.reason || '—' }))
    }
  }

  const ask = () => {
    const open = socket()
    const text = state.realtimeInput.trim()
    if (!open) return setError(t('playground.realtime_not_connected'))
    if (!text) return setError(t('playground.empty_message'))
    setError(null)
    setAnswer('')
    setResponding(true)
    send(open, { type: 'conversation.item.create', item: { type: 'message', role: 'user', content: [{ type: 'input_text', text }] } })
    send(open, { type: 'response.create', response: { output_modalities: ['text'] } })
    props.draft.set('realtimeInput', '')
  }

  return (
    <div class="card media-studio realtime-studio" data-testid="realtime-studio">
      <div class="realtime-controls">
        <Show when={socket()} fallback={<button type="button" class="button primary" disabled={connecting()} onClick={connect}>{connecting() ? t('playground.realtime_connecting') : t('playground.realtime_connect')}</button>}>
          <button type="button" class="button ghost" onClick={() => socket()?.close(1000, 'closed from the playground')}>{t('playground.realtime_disconnect')}</button>
        </Show>
        <span class="muted small" data-testid="realtime-status">{socket() ? t('playground.realtime_open') : closed() ?? t('playground.realtime_intro')}</span>
      </div>
      <div class="transcript">
        <Show when={answer()} fallback={<p class="muted empty-state">{t('playground.realtime_answer_here')}</p>}>
          <div class="turn turn-assistant"><div class="turn-text" data-testid="realtime-answer">{answer()}</div></div>
        </Show>
      </div>
      <ol ref={eventList} class="realtime-events" data-testid="realtime-events" aria-label={t('playground.realtime_events')}>
        <For each={events()}>
          {(entry) => <li class={`event-${entry.direction}`}><span class="event-arrow">{entry.direction === 'sent' ? '→' : '←'}</span> <code>{entry.type}</code> <span class="muted small">{entry.summary}</span></li>}
        </For>
      </ol>
      <ErrorBanner message={error()} />
      <Composer
        value={state.realtimeInput} placeholder={t('playground.placeholder')} label={t('playground.message')} submitLabel={t('playground.send')}
        busy={responding()} onInput={(value) => props.draft.set('realtimeInput', value)} onSubmit={ask}
        onStop={() => { const open = socket(); if (open) send(open, { type: 'response.cancel' }) }}
      />
    </div>
  )
}
