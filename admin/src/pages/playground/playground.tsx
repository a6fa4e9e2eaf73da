import { A, query } from '@solidjs/router'
import { createEffect, createSignal, For, Match, on, onCleanup, Show, Switch, type JSX } from 'solid-js'
import { notify } from '../../components/toasts.tsx'
import { ErrorBanner, Field, Spinner } from '../../components/ui.tsx'
import { api, errorMessage, toPage, type Page } from '../../lib/api.ts'
import { parseChunk, readErrorBody, readSseData, type ChatUsage } from '../../lib/chat-stream.ts'
import { createDraft } from '../../lib/drafts.ts'
import { formatDuration } from '../../lib/format.ts'
import { t, type MessageKey } from '../../lib/i18n.ts'
import { createLoaded, valueOf } from '../../lib/async-data.ts'
import { mediaKindOf } from '../../lib/media.ts'
import type { Token } from '../../lib/types.ts'
import { fetchFullKey } from '../tokens/token-data.ts'
import { Composer, ImageSettings, ImageStudio, SpeechSettings, SpeechStudio } from './media-modes.tsx'
import { RealtimeStudio } from './realtime-mode.tsx'
import { getMediaRoutes, initialPlaygroundState, type ChatTurn, type KeyState, type PlaygroundMode, type PlaygroundState } from './playground-state.ts'

const modes: { id: PlaygroundMode; label: MessageKey; modelField: 'model' | 'imageModel' | 'speechModel' | 'realtimeModel' }[] = [
  { id: 'chat', label: 'playground.mode_chat', modelField: 'model' },
  { id: 'image', label: 'playground.mode_image', modelField: 'imageModel' },
  { id: 'speech', label: 'playground.mode_speech', modelField: 'speechModel' },
  { id: 'realtime', label: 'playground.mode_realtime', modelField: 'realtimeModel' },
]

/** The models a mode suggests first: image or speech models by name, realtime models by name, text models for chat. */
function suitsMode(model: string, mode: PlaygroundMode): boolean {
  if (mode === 'realtime') return model.includes('realtime')
  const kind = mediaKindOf(model)
  return mode === 'chat' ? kind === null && !model.includes('realtime') : kind === mode
}

const getEnabledTokens = query(async () => {
  const page = toPage(await api.get<Page<Token>>('/api/token/', { p: 1, page_size: 100, size: 100 }))
  return page.items.filter((token) => token.status === 1)
}, 'playground-tokens')

const getTokenKey = query((id: number) => fetchFullKey(id), 'playground-key')

/** The models the key may call: what the relay lists for it, else the key's own limits, else the account's models. */
const getPlaygroundModels = query(async (secret: string, token: Token | undefined): Promise<string[]> => {
  try {
    const response = await fetch('/v1/models', { headers: { Authorization: `Bearer ${secret}` } })
    if (response.ok) {
      const body = (await response.json()) as { data?: { id: string }[] }
      const ids = (body.data ?? []).map((model) => model.id)
      if (ids.length) return [...new Set(ids)].sort()
    }
  } catch {
    // Fall back to the account's model list below.
  }
  if (token?.model_limits_enabled && token.model_limits) return token.model_limits.split(',').filter(Boolean)
  try {
    return (await api.get<string[]>('/api/user/models')) ?? []
  } catch {
    return []
  }
}, 'playground-models')

export function PlaygroundPage(): JSX.Element {
  const draft = createDraft<PlaygroundState>('playground', initialPlaygroundState)
  const state = draft.values
  const [sending, setSending] = createSignal(false)
  const [error, setError] = createSignal<string | null>(null)
  let abort: AbortController | null = null
  let transcript!: HTMLDivElement
  onCleanup(() => abort?.abort())

  const tokens = createLoaded(() => getEnabledTokens())
  // The key lives only in memory: it is fetched when a token is picked, never stored.
  const key = createLoaded(() => (state.tokenId ? getTokenKey(state.tokenId) : Promise.resolve(null)))
  const models = createLoaded(() => {
    const loaded = key()
    return loaded.status === 'ready' && loaded.value ? getPlaygroundModels(loaded.value, valueOf(tokens())?.find((item) => item.id === state.tokenId)) : Promise.resolve([])
  })

  createEffect(() => {
    const list = valueOf(tokens())
    if (list && list.length && (state.tokenId === null || !list.some((token) => token.id === state.tokenId))) draft.set('tokenId', list[0]!.id)
  })
  // Each mode keeps its own model: the last one picked, else the first the mode suits, else the first listed.
  createEffect(() => {
    const list = valueOf(models())
    if (!list || !list.length) return
    for (const mode of modes) {
      if (!list.includes(state[mode.modelField])) draft.set(mode.modelField, list.find((model) => suitsMode(model, mode.id)) ?? list[0]!)
    }
  })
  const routes = createLoaded(() => getMediaRoutes())
  // Realtime is part of the gateway itself (GET /v1/realtime), so it is always offered.
  const offered = (mode: PlaygroundMode) => mode === 'chat' || mode === 'realtime' || valueOf(routes())?.[mode] === true
  const mode = () => (offered(state.mode) ? state.mode : 'chat')
  const modelField = () => modes.find((item) => item.id === mode())!.modelField
  const keyState = (): KeyState => {
    if (!state.tokenId) return { problem: t('playground.pick_token') }
    const loadedKey = key()
    const secret = valueOf(loadedKey)
    return secret ? { secret } : { problem: loadedKey.status === 'error' ? loadedKey.error : t('playground.key_loading') }
  }
  const modelGroups = () => {
    const list = valueOf(models()) ?? []
    const suited = list.filter((model) => suitsMode(model, mode()))
    return suited.length === 0 || suited.length === list.length ? null : { suited, other: list.filter((model) => !suitsMode(model, mode())) }
  }
  createEffect(on(() => state.turns.length && state.turns[state.turns.length - 1]!.content, () => {
    if (transcript) transcript.scrollTop = transcript.scrollHeight
  }))

  const send = async () => {
    setError(null)
    const text = state.input.trim()
    if (!state.tokenId) return setError(t('playground.pick_token'))
    if (!state.model) return setError(t('playground.pick_model'))
    if (!text) return setError(t('playground.empty_message'))
    const temperature = state.temperature.trim() === '' ? undefined : Number(state.temperature)
    if (temperature !== undefined && (!Number.isFinite(temperature) || temperature < 0 || temperature > 2)) return setError(t('playground.temperature_invalid'))
    const maxTokens = state.maxTokens.trim() === '' ? undefined : Number(state.maxTokens)
    if (maxTokens !== undefined && (!Number.isInteger(maxTokens) || maxTokens <= 0)) return setError(t('playground.max_tokens_invalid'))
    const loadedKey = key()
    const secret = valueOf(loadedKey)
    if (!secret) return setError(loadedKey.status === 'error' ? loadedKey.error : t('playground.key_loading'))

    const history = state.turns.filter((turn) => turn.role !== 'error').map((turn) => ({ role: turn.role, content: turn.content }))
    const messages = [...(state.system.trim() ? [{ role: 'system', content: state.system.trim() }] : []), ...history, { role: 'user', content: text }]
    draft.set('turns', (turns) => [...turns, { role: 'user', content: text }, { role: 'assistant', content: '' }])
    draft.set('input', '')
    const answerIndex = state.turns.length - 1
    const started = performance.now()
    abort = new AbortController()
    setSending(true)
    try {
      const response = await fetch('/v1/chat/completions', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${secret}` },
        body: JSON.stringify({
          model: state.model,
          messages,
          stream: state.stream,
          ...(state.stream ? { stream_options: { include_usage: true } } : {}),
          ...(temperature !== undefined ? { temperature } : {}),
          ...(maxTokens !== undefined ? { max_tokens: maxTokens } : {}),
        }),
        signal: abort.signal,
      })
      if (!response.ok) throw new Error(readErrorBody(await response.text(), response.status))
      if (state.stream && response.body && (response.headers.get('content-type') ?? '').includes('text/event-stream')) {
        let firstToken: number | undefined
        for await (const payload of readSseData(response.body)) {
          const update = parseChunk(payload)
          if (!update) break
          if (update.error) throw new Error(update.error)
          if ((update.content || update.reasoning) && firstToken === undefined) {
            firstToken = performance.now() - started
            draft.set('turns', answerIndex, 'firstTokenMilliseconds', Math.round(firstToken))
          }
          if (update.content) draft.set('turns', answerIndex, 'content', (content) => content + update.content)
          if (update.reasoning) draft.set('turns', answerIndex, 'reasoning', (reasoning) => (reasoning ?? '') + update.reasoning)
          if (update.usage) draft.set('turns', answerIndex, 'usage', update.usage)
        }
      } else {
        const body = (await response.json()) as { choices?: { message?: { content?: string; reasoning_content?: string } }[]; usage?: ChatUsage }
        const message = body.choices?.[0]?.message
        draft.set('turns', answerIndex, { content: message?.content ?? '', reasoning: message?.reasoning_content, usage: body.usage })
      }
      draft.set('turns', answerIndex, 'milliseconds', Math.round(performance.now() - started))
    } catch (problem) {
      const aborted = problem instanceof DOMException && problem.name === 'AbortError'
      if (aborted) draft.set('turns', answerIndex, 'milliseconds', Math.round(performance.now() - started))
      else {
        // Keep what arrived; the error becomes its own line so the next turn does not send it.
        draft.set('turns', (turns) => {
          const kept = turns[answerIndex]?.content ? turns : turns.filter((_, index) => index !== answerIndex)
          return [...kept, { role: 'error', content: errorMessage(problem) }]
        })
      }
    } finally {
      abort = null
      setSending(false)
    }
  }

  const roleLabel = (role: ChatTurn['role']) => (role === 'user' ? t('playground.you') : role === 'assistant' ? t('playground.assistant') : t('playground.error'))

  return (
    <section class="page playground">
      <header class="page-header">
        <h1>{t('nav.playground')}</h1>
        <Show when={mode() === 'chat'}>
          <div class="header-actions">
            <button type="button" class="button ghost" disabled={sending() || state.turns.length === 0} onClick={() => draft.set('turns', [])}>{t('playground.clear')}</button>
          </div>
        </Show>
      </header>
      <Show when={modes.filter((item) => offered(item.id)).length > 1}>
        <div class="tabs playground-modes" role="tablist" aria-label={t('playground.modes')}>
          <For each={modes.filter((item) => offered(item.id))}>
            {(item) => <button type="button" role="tab" class="tab" aria-selected={mode() === item.id} classList={{ selected: mode() === item.id }} onClick={() => draft.set('mode', item.id)}>{t(item.label)}</button>}
          </For>
        </div>
      </Show>
      <div class="playground-layout">
        <aside class="card form playground-settings">
          <Field label={t('playground.token')} for="playground-token">
            <Show when={tokens().status !== 'loading'} fallback={<Spinner />}>
              <Show when={(valueOf(tokens()) ?? []).length > 0} fallback={<p class="muted small">{t('playground.no_tokens')} <A href="/tokens/new">{t('tokens.create')}</A></p>}>
                <select id="playground-token" value={state.tokenId ?? ''} onChange={(event) => draft.set('tokenId', Number(event.currentTarget.value))}>
                  <For each={valueOf(tokens())}>{(token) => <option value={token.id}>{token.name}</option>}</For>
                </select>
              </Show>
            </Show>
          </Field>
          <Field label={t('playground.model')} for="playground-model">
            <select id="playground-model" value={state[modelField()]} onChange={(event) => draft.set(modelField(), event.currentTarget.value)} disabled={models().status === 'loading'}>
              <Show when={modelGroups()} fallback={<For each={valueOf(models()) ?? []}>{(name) => <option value={name} selected={name === state[modelField()]}>{name}</option>}</For>}>
                {(groups) => (
                  <>
                    <optgroup label={t('playground.models_for_mode')}>
                      <For each={groups().suited}>{(name) => <option value={name} selected={name === state[modelField()]}>{name}</option>}</For>
                    </optgroup>
                    <optgroup label={t('playground.models_other')}>
                      <For each={groups().other}>{(name) => <option value={name} selected={name === state[modelField()]}>{name}</option>}</For>
                    </optgroup>
                  </>
                )}
              </Show>
            </select>
          </Field>
          <Switch>
            <Match when={mode() === 'image'}><ImageSettings draft={draft} /></Match>
            <Match when={mode() === 'speech'}><SpeechSettings draft={draft} /></Match>
            <Match when={mode() === 'chat'}>
              <label class="check">
                <input type="checkbox" checked={state.stream} onChange={(event) => draft.set('stream', event.currentTarget.checked)} />
                {t('playground.stream')}
              </label>
              <details class="more-options" open={!!(state.temperature || state.maxTokens || state.system)}>
                <summary>{t('playground.more_options')}</summary>
                <Field label={t('playground.temperature')} for="playground-temperature">
                  <input id="playground-temperature" inputmode="decimal" placeholder="1.0" value={state.temperature} onInput={(event) => draft.set('temperature', event.currentTarget.value)} />
                </Field>
                <Field label={t('playground.max_tokens')} for="playground-max-tokens">
                  <input id="playground-max-tokens" inputmode="numeric" value={state.maxTokens} onInput={(event) => draft.set('maxTokens', event.currentTarget.value)} />
                </Field>
                <Field label={t('playground.system')} for="playground-system">
                  <textarea id="playground-system" rows={3} value={state.system} onInput={(event) => draft.set('system', event.currentTarget.value)} />
                </Field>
              </details>
            </Match>
          </Switch>
        </aside>
        <Switch>
          <Match when={mode() === 'image'}><ImageStudio draft={draft} keyState={keyState} /></Match>
          <Match when={mode() === 'speech'}><SpeechStudio draft={draft} keyState={keyState} /></Match>
          <Match when={mode() === 'realtime'}><RealtimeStudio draft={draft} keyState={keyState} /></Match>
          <Match when={mode() === 'chat'}>
            <div class="card chat">
              <div class="transcript" ref={transcript} data-testid="transcript">
                <Show when={state.turns.length === 0}>
                  <p class="muted empty-state">{t('playground.intro')}</p>
                </Show>
                <For each={state.turns}>
                  {(turn) => (
                    <div class={`turn turn-${turn.role}`} data-role={turn.role}>
                      <div class="turn-role">{roleLabel(turn.role)}</div>
                      <Show when={turn.reasoning}>
                        <details class="reasoning"><summary>{t('playground.reasoning')}</summary><div class="turn-text">{turn.reasoning}</div></details>
                      </Show>
                      <div class="turn-text">{turn.content}<Show when={turn.role === 'assistant' && sending() && turn === state.turns[state.turns.length - 1]}><span class="caret" /></Show></div>
                      <Show when={turn.role === 'assistant' && (turn.milliseconds !== undefined || turn.usage)}>
                        <div class="turn-meta muted small" data-testid="turn-meta">
                          <Show when={turn.milliseconds !== undefined}>{formatDuration(turn.milliseconds!)}</Show>
                          <Show when={turn.firstTokenMilliseconds !== undefined}> · {t('logs.first_token')} {formatDuration(turn.firstTokenMilliseconds!)}</Show>
                          <Show when={turn.usage}> · {t('playground.usage', { prompt: turn.usage!.prompt_tokens ?? 0, completion: turn.usage!.completion_tokens ?? 0 })}</Show>
                        </div>
                      </Show>
                    </div>
                  )}
                </For>
              </div>
              <ErrorBanner message={error()} />
              <Composer
                value={state.input} placeholder={t('playground.placeholder')} label={t('playground.message')} submitLabel={t('playground.send')}
                busy={sending()} onInput={(value) => draft.set('input', value)} onSubmit={() => void send()}
                onStop={() => { abort?.abort(); notify('info', t('playground.stopped')) }}
              />
            </div>
          </Match>
        </Switch>
      </div>
    </section>
  )
}
