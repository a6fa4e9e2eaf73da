import { useAction } from '@solidjs/router'
import { createSignal, For, onCleanup, Show, type JSX } from 'solid-js'
import { notifyOutcome } from '../../components/toasts.tsx'
import { ActionButton, ErrorBanner, Modal } from '../../components/ui.tsx'
import { errorMessage } from '../../lib/api.ts'
import { createLoaded, errorOf, valueOf } from '../../lib/async-data.ts'
import { t } from '../../lib/i18n.ts'
import type { Channel } from '../../lib/types.ts'
import { deleteOllamaModel, getOllamaModels, getOllamaVersion, pullOllamaModel, type PullProgress } from './ollama-data.ts'

/** "12.3 / 45.6 MB (27%)" for a layer download; the bare status for the other steps. */
function progressText(progress: PullProgress): string {
  if (!progress.total) return progress.status
  const megabytes = (bytes: number) => (bytes / 1_000_000).toFixed(1)
  const done = progress.completed ?? 0
  return `${progress.status} · ${megabytes(done)} / ${megabytes(progress.total)} MB (${Math.floor((done / progress.total) * 100)}%)`
}

/**
 * The models on an Ollama channel's server: the list (Ollama's tags), pull one by name with its download progress,
 * delete one. Everything goes through the channel (its base URL, key and header overrides) on the gateway.
 */
export function OllamaModelsModal(props: { channel: Channel; onClose: () => void }): JSX.Element {
  const models = createLoaded(() => getOllamaModels(props.channel.id))
  const version = createLoaded(() => getOllamaVersion(props.channel.id))
  const pull = useAction(pullOllamaModel)
  const remove = useAction(deleteOllamaModel)
  const [name, setName] = createSignal('')
  const [progress, setProgress] = createSignal<PullProgress | null>(null)
  const [pullError, setPullError] = createSignal<string | null>(null)
  const [pulling, setPulling] = createSignal(false)
  let abort: AbortController | undefined
  onCleanup(() => abort?.abort())

  async function startPull(): Promise<void> {
    const model = name().trim()
    if (!model) return
    abort = new AbortController()
    setPulling(true)
    setPullError(null)
    setProgress({ status: t('channels.ollama_pull_starting') })
    try {
      await pull({ channelId: props.channel.id, model, onProgress: setProgress, signal: abort.signal })
      setProgress({ status: t('channels.ollama_pull_done', { model }) })
      setName('')
    } catch (error) {
      if ((error as Error).name !== 'AbortError') setPullError(errorMessage(error))
      setProgress(null)
    } finally {
      setPulling(false)
    }
  }

  const confirmDelete = (model: string) => {
    if (!confirm(t('channels.ollama_confirm_delete', { model }))) return
    return notifyOutcome(() => remove({ channelId: props.channel.id, model }), t('common.deleted'))
  }

  return (
    <Modal title={t('channels.ollama_title', { name: props.channel.name })} onClose={props.onClose} wide>
      <Show when={valueOf(version())}>{(known) => <p class="muted small">{t('channels.ollama_version', { version: known().version })}</p>}</Show>
      <form class="header-actions" onSubmit={(event) => { event.preventDefault(); void startPull() }}>
        <input placeholder={t('channels.ollama_pull_placeholder')} aria-label={t('channels.ollama_pull_placeholder')} value={name()} onInput={(event) => setName(event.currentTarget.value)} disabled={pulling()} data-testid="ollama-pull-name" />
        <button type="submit" class="button primary small" disabled={pulling() || !name().trim()}>{t('channels.ollama_pull')}</button>
      </form>
      <Show when={progress()}>{(current) => <p class="small" data-testid="ollama-pull-progress">{progressText(current())}</p>}</Show>
      <ErrorBanner message={pullError() ?? errorOf(models())} />
      <table class="table compact" data-testid="ollama-models">
        <thead><tr><th>{t('channels.model')}</th><th /></tr></thead>
        <tbody>
          <Show when={models().status !== 'loading'} fallback={<tr><td colspan={2} class="muted">{t('common.loading')}</td></tr>}>
            <For each={valueOf(models()) ?? []} fallback={<tr><td colspan={2} class="muted">{t('channels.ollama_none')}</td></tr>}>
              {(model) => (
                <tr>
                  <td><code>{model}</code></td>
                  <td class="actions"><ActionButton class="button small danger" action={() => confirmDelete(model)}>{t('common.delete')}</ActionButton></td>
                </tr>
              )}
            </For>
          </Show>
        </tbody>
      </table>
      <p class="muted small">{t('channels.ollama_note')}</p>
    </Modal>
  )
}
