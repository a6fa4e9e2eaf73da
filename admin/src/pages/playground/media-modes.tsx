/**
 * The playground's image and speech modes: their settings (beside the key and model) and their studio (prompt,
 * result, errors). Requests go to the real relay with the chosen key, so they are billed and logged like a client's.
 * Answers stay in memory as object URLs, released when replaced or when the page goes.
 */
import { createSignal, For, onCleanup, Show, type JSX } from 'solid-js'
import { ErrorBanner, Field, Spinner } from '../../components/ui.tsx'
import { errorMessage } from '../../lib/api.ts'
import type { Draft } from '../../lib/drafts.ts'
import { formatDuration } from '../../lib/format.ts'
import { t } from '../../lib/i18n.ts'
import { describeBilledFor, describeRelayFailure, extensionOf, formatBytes, imageMimeOf, mediaRoutes, speechFormats } from '../../lib/media.ts'
import type { KeyState, PlaygroundState } from './playground-state.ts'

// The sizes and qualities dall-e and gpt-image models offer; the relay refuses, naming the field, what a model lacks.
const imageSizes = ['1024x1024', '1536x1024', '1024x1536', '1792x1024', '1024x1792', '512x512', '256x256', 'auto']
const imageQualities = ['standard', 'hd', 'low', 'medium', 'high', 'auto']
const voices = ['alloy', 'ash', 'ballad', 'coral', 'echo', 'fable', 'nova', 'onyx', 'sage', 'shimmer', 'verse']

async function failureOf(response: Response, path: string): Promise<string> {
  return describeRelayFailure(response.status, await response.text(), path, t)
}

/** Object URLs made for answers, revoked when replaced and when the component goes. */
function createObjectUrls() {
  let current: string[] = []
  const release = () => {
    for (const url of current) URL.revokeObjectURL(url)
    current = []
  }
  onCleanup(release)
  return {
    replace(blobs: Blob[]): string[] {
      release()
      current = blobs.map((blob) => URL.createObjectURL(blob))
      return current
    },
  }
}

function base64ToBlob(base64: string, type: string): Blob {
  const binary = atob(base64)
  const bytes = new Uint8Array(binary.length)
  for (let index = 0; index < binary.length; index++) bytes[index] = binary.charCodeAt(index)
  return new Blob([bytes], { type })
}

/**
 * The playground's text box and its button, one for every mode: Ctrl/Cmd+Enter or the button submits, and while a
 * request runs the button stops it.
 */
export function Composer(props: {
  value: string
  placeholder: string
  label: string
  submitLabel: string
  busy: boolean
  onInput(value: string): void
  onSubmit(): void
  onStop(): void
}): JSX.Element {
  const submit = () => { if (!props.busy) props.onSubmit() }
  return (
    <form class="composer" onSubmit={(event) => { event.preventDefault(); submit() }}>
      <textarea
        rows={3}
        placeholder={props.placeholder}
        value={props.value}
        aria-label={props.label}
        onInput={(event) => props.onInput(event.currentTarget.value)}
        onKeyDown={(event) => {
          if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
            event.preventDefault()
            submit()
          }
        }}
      />
      <Show when={props.busy} fallback={<button type="submit" class="button primary">{props.submitLabel}</button>}>
        <button type="button" class="button danger" onClick={() => props.onStop()}>{t('playground.stop')}</button>
      </Show>
    </form>
  )
}

export function ImageSettings(props: { draft: Draft<PlaygroundState> }): JSX.Element {
  const state = props.draft.values
  return (
    <>
      <Field label={t('playground.size')} for="playground-image-size">
        <select id="playground-image-size" value={state.imageSize} onChange={(event) => props.draft.set('imageSize', event.currentTarget.value)}>
          <For each={imageSizes}>{(size) => <option value={size}>{size}</option>}</For>
        </select>
      </Field>
      <Field label={t('playground.count')} for="playground-image-count">
        <input id="playground-image-count" inputmode="numeric" value={state.imageCount} onInput={(event) => props.draft.set('imageCount', event.currentTarget.value)} />
      </Field>
      <Field label={t('playground.quality')} for="playground-image-quality">
        <select id="playground-image-quality" value={state.imageQuality} onChange={(event) => props.draft.set('imageQuality', event.currentTarget.value)}>
          <option value="">{t('playground.model_default')}</option>
          <For each={imageQualities}>{(quality) => <option value={quality}>{quality}</option>}</For>
        </select>
      </Field>
    </>
  )
}

interface GeneratedImage {
  url: string
  /** A data-backed object URL can be downloaded under a name; a hosted URL opens where it lives. */
  downloadName?: string
  revisedPrompt?: string
}

export function ImageStudio(props: { draft: Draft<PlaygroundState>; keyState: () => KeyState }): JSX.Element {
  const state = props.draft.values
  const [busy, setBusy] = createSignal(false)
  const [error, setError] = createSignal<string | null>(null)
  const [images, setImages] = createSignal<GeneratedImage[]>([])
  const [meta, setMeta] = createSignal('')
  const urls = createObjectUrls()
  let abort: AbortController | null = null
  onCleanup(() => abort?.abort())

  const generate = async () => {
    setError(null)
    const prompt = state.imagePrompt.trim()
    const keyState = props.keyState()
    if ('problem' in keyState) return setError(keyState.problem)
    if (!state.imageModel) return setError(t('playground.pick_model'))
    if (!prompt) return setError(t('playground.empty_prompt'))
    const count = Number(state.imageCount.trim())
    if (!Number.isInteger(count) || count < 1 || count > 10) return setError(t('playground.count_invalid'))
    // What was asked, kept for the caption: the form may change while the request runs.
    const size = state.imageSize
    const started = performance.now()
    abort = new AbortController()
    setBusy(true)
    try {
      const response = await fetch(mediaRoutes.image, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${keyState.secret}` },
        body: JSON.stringify({
          model: state.imageModel,
          prompt,
          n: count,
          size,
          ...(state.imageQuality ? { quality: state.imageQuality } : {}),
          response_format: 'b64_json',
        }),
        signal: abort.signal,
      })
      if (!response.ok) throw new Error(await failureOf(response, mediaRoutes.image))
      const body = (await response.json()) as { data?: { b64_json?: string; url?: string; revised_prompt?: string }[]; output_format?: string }
      const items = (body.data ?? []).filter((item) => item.b64_json || item.url)
      if (items.length === 0) throw new Error(t('playground.no_images'))
      // Providers without base64 answers (SiliconFlow) send hosted URLs; those are shown as they are.
      const blobs = items.filter((item) => item.b64_json).map((item) => base64ToBlob(item.b64_json!, imageMimeOf(item.b64_json!, body.output_format)))
      const objectUrls = urls.replace(blobs)
      let next = 0
      setImages(items.map((item, index) => {
        if (!item.b64_json) return { url: item.url!, revisedPrompt: item.revised_prompt }
        const blob = blobs[next]!
        return { url: objectUrls[next++]!, downloadName: `image-${index + 1}.${extensionOf(blob.type)}`, revisedPrompt: item.revised_prompt }
      }))
      setMeta(t('playground.media_meta', { what: describeBilledFor({ n: items.length, size }, t), time: formatDuration(performance.now() - started) }))
    } catch (problem) {
      if (!(problem instanceof DOMException && problem.name === 'AbortError')) setError(errorMessage(problem))
    } finally {
      abort = null
      setBusy(false)
    }
  }

  return (
    <div class="card media-studio" data-testid="image-studio">
      <div class="media-result">
        <Show when={images().length > 0} fallback={<Show when={busy()} fallback={<p class="muted empty-state">{t('playground.image_intro')}</p>}><div class="empty-state"><Spinner /></div></Show>}>
          <div class="image-grid" classList={{ busy: busy() }}>
            <For each={images()}>
              {(image, index) => (
                <figure class="generated-image">
                  <img src={image.url} alt={t('playground.image_alt', { index: index() + 1 })} />
                  <figcaption>
                    <Show when={image.revisedPrompt}><span class="muted small" title={t('playground.revised_prompt')}>{image.revisedPrompt}</span></Show>
                    <a class="button small" href={image.url} download={image.downloadName} target={image.downloadName ? undefined : '_blank'} rel="noopener">{t('playground.download')}</a>
                  </figcaption>
                </figure>
              )}
            </For>
          </div>
          <p class="muted small" data-testid="image-meta">{meta()}</p>
        </Show>
      </div>
      <ErrorBanner message={error()} />
      <Composer
        value={state.imagePrompt} placeholder={t('playground.image_placeholder')} label={t('playground.prompt')} submitLabel={t('playground.generate')}
        busy={busy()} onInput={(value) => props.draft.set('imagePrompt', value)} onSubmit={() => void generate()} onStop={() => abort?.abort()}
      />
    </div>
  )
}

export function SpeechSettings(props: { draft: Draft<PlaygroundState> }): JSX.Element {
  const state = props.draft.values
  return (
    <>
      <Field label={t('playground.voice')} for="playground-voice">
        <select id="playground-voice" value={state.speechVoice} onChange={(event) => props.draft.set('speechVoice', event.currentTarget.value)}>
          <For each={voices}>{(voice) => <option value={voice}>{voice}</option>}</For>
        </select>
      </Field>
      <Field label={t('playground.format')} for="playground-format">
        {/* pcm is left out: it has no container, so the audio element cannot play it. */}
        <select id="playground-format" value={state.speechFormat} onChange={(event) => props.draft.set('speechFormat', event.currentTarget.value)}>
          <For each={Object.keys(speechFormats)}>{(format) => <option value={format}>{format}</option>}</For>
        </select>
      </Field>
    </>
  )
}

export function SpeechStudio(props: { draft: Draft<PlaygroundState>; keyState: () => KeyState }): JSX.Element {
  const state = props.draft.values
  const [busy, setBusy] = createSignal(false)
  const [error, setError] = createSignal<string | null>(null)
  const [received, setReceived] = createSignal(0)
  const [audio, setAudio] = createSignal<{ url: string; downloadName: string; meta: string } | null>(null)
  const urls = createObjectUrls()
  let player: HTMLAudioElement | undefined
  let abort: AbortController | null = null
  onCleanup(() => abort?.abort())

  const synthesize = async () => {
    setError(null)
    const text = state.speechText.trim()
    const keyState = props.keyState()
    if ('problem' in keyState) return setError(keyState.problem)
    if (!state.speechModel) return setError(t('playground.pick_model'))
    if (!text) return setError(t('playground.empty_text'))
    const format = state.speechFormat in speechFormats ? state.speechFormat : 'mp3'
    const started = performance.now()
    abort = new AbortController()
    setReceived(0)
    setBusy(true)
    try {
      const response = await fetch(mediaRoutes.speech, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${keyState.secret}` },
        body: JSON.stringify({ model: state.speechModel, input: text, voice: state.speechVoice, response_format: format }),
        signal: abort.signal,
      })
      if (!response.ok) throw new Error(await failureOf(response, mediaRoutes.speech))
      if (!response.body) throw new Error(t('playground.no_audio'))
      // The relay passes the audio on as it arrives; the count shows progress, the element gets the whole file
      // (an <audio> element cannot be fed a growing body without Media Source, which not every format has).
      const chunks: Uint8Array<ArrayBuffer>[] = []
      let total = 0
      const reader = response.body.getReader()
      for (let next = await reader.read(); !next.done; next = await reader.read()) {
        chunks.push(next.value)
        total += next.value.byteLength
        setReceived(total)
      }
      const type = (response.headers.get('content-type') ?? '').split(';')[0]!.trim() || speechFormats[format]!
      const blob = new Blob(chunks, { type: type.startsWith('audio/') ? type : speechFormats[format]! })
      const [url] = urls.replace([blob])
      setAudio({
        url: url!,
        downloadName: `speech.${format === 'opus' ? 'ogg' : format}`,
        meta: t('playground.media_meta', { what: `${formatBytes(total)} · ${describeBilledFor({ characters: [...text].length }, t)}`, time: formatDuration(performance.now() - started) }),
      })
      // The click that asked for it lets the page start playing; a browser that refuses leaves the controls.
      void player?.play().catch(() => {})
    } catch (problem) {
      if (!(problem instanceof DOMException && problem.name === 'AbortError')) setError(errorMessage(problem))
    } finally {
      abort = null
      setBusy(false)
    }
  }

  return (
    <div class="card media-studio" data-testid="speech-studio">
      <div class="media-result">
        <Show when={audio() || busy()} fallback={<p class="muted empty-state">{t('playground.speech_intro')}</p>}>
          <div class="speech-result">
            <audio ref={player} controls src={audio()?.url} aria-label={t('playground.audio_label')} data-testid="speech-audio" />
            <Show when={busy()}>
              <p class="muted small"><Spinner /> {t('playground.received', { size: formatBytes(received()) })}</p>
            </Show>
            <Show when={!busy() && audio()}>
              {(current) => (
                <p class="muted small speech-meta" data-testid="speech-meta">
                  {current().meta}
                  <a class="button small" href={current().url} download={current().downloadName}>{t('playground.download')}</a>
                </p>
              )}
            </Show>
          </div>
        </Show>
      </div>
      <ErrorBanner message={error()} />
      <Composer
        value={state.speechText} placeholder={t('playground.speech_placeholder')} label={t('playground.speech_text')} submitLabel={t('playground.synthesize')}
        busy={busy()} onInput={(value) => props.draft.set('speechText', value)} onSubmit={() => void synthesize()} onStop={() => abort?.abort()}
      />
    </div>
  )
}
