/** Small building blocks shared by the pages. Hand-written; no UI framework. */
import { createSignal, For, onCleanup, onMount, Show, splitProps, type JSX } from 'solid-js'
import { t } from '../lib/i18n.ts'
import { formatQuota } from '../lib/quota.ts'
import { quotaDisplay } from '../lib/session.ts'

/** Quota in the configured currency; the raw integer is on hover (and in `data-quota` for tests). */
export function QuotaText(props: { quota: number | null | undefined; class?: string }): JSX.Element {
  const raw = () => props.quota ?? 0
  return (
    <span class={`quota ${props.class ?? ''}`} title={`${raw().toLocaleString('en-US')} ${t('quota.raw_units')}`} data-quota={raw()}>
      {formatQuota(raw(), quotaDisplay())}
    </span>
  )
}

export function Badge(props: { tone: 'green' | 'red' | 'amber' | 'grey' | 'blue'; children: JSX.Element; title?: string }): JSX.Element {
  return <span class={`badge badge-${props.tone}`} title={props.title}>{props.children}</span>
}

export function Field(props: { label: string; hint?: JSX.Element; error?: string | null; children: JSX.Element; wide?: boolean; for?: string }): JSX.Element {
  return (
    <div class="field" classList={{ wide: props.wide, invalid: !!props.error }}>
      <label for={props.for}>{props.label}</label>
      {props.children}
      <Show when={props.error}>
        <div class="field-error" role="alert">{props.error}</div>
      </Show>
      <Show when={!props.error && props.hint}>
        <div class="field-hint">{props.hint}</div>
      </Show>
    </div>
  )
}

export function Modal(props: { title: string; onClose: () => void; children: JSX.Element; footer?: JSX.Element; wide?: boolean }): JSX.Element {
  const onKey = (event: KeyboardEvent) => {
    if (event.key === 'Escape') props.onClose()
  }
  onMount(() => document.addEventListener('keydown', onKey))
  onCleanup(() => document.removeEventListener('keydown', onKey))
  return (
    <div class="modal-backdrop" onClick={(event) => event.target === event.currentTarget && props.onClose()}>
      <div class="modal" classList={{ 'modal-wide': props.wide }} role="dialog" aria-modal="true" aria-label={props.title}>
        <header class="modal-header">
          <h2>{props.title}</h2>
          <button type="button" class="icon-button" aria-label={t('common.close')} onClick={() => props.onClose()}>×</button>
        </header>
        <div class="modal-body">{props.children}</div>
        <Show when={props.footer}>
          <footer class="modal-footer">{props.footer}</footer>
        </Show>
      </div>
    </div>
  )
}

export const pageSizes = [10, 20, 50, 100]

export function Pager(props: {
  page: number
  pageSize: number
  total: number
  onPage: (page: number) => void
  onPageSize?: (pageSize: number) => void
}): JSX.Element {
  const pageCount = () => Math.max(1, Math.ceil(props.total / props.pageSize))
  return (
    <nav class="pager" aria-label={t('pager.label')}>
      <span class="pager-total">{t('pager.total', { total: props.total })}</span>
      <button type="button" class="button small" disabled={props.page <= 1} onClick={() => props.onPage(1)} aria-label={t('pager.first')}>«</button>
      <button type="button" class="button small" disabled={props.page <= 1} onClick={() => props.onPage(props.page - 1)} aria-label={t('pager.previous')}>‹</button>
      <span class="pager-position" data-testid="pager-position">{t('pager.position', { page: props.page, pages: pageCount() })}</span>
      <button type="button" class="button small" disabled={props.page >= pageCount()} onClick={() => props.onPage(props.page + 1)} aria-label={t('pager.next')}>›</button>
      <button type="button" class="button small" disabled={props.page >= pageCount()} onClick={() => props.onPage(pageCount())} aria-label={t('pager.last')}>»</button>
      <Show when={props.onPageSize}>
        <label class="pager-size">
          <span>{t('pager.per_page')}</span>
          <select value={props.pageSize} onChange={(event) => props.onPageSize?.(Number(event.currentTarget.value))} aria-label={t('pager.per_page')}>
            <For each={pageSizes}>{(size) => <option value={size}>{size}</option>}</For>
          </select>
        </label>
      </Show>
    </nav>
  )
}

export function Spinner(): JSX.Element {
  return <span class="spinner" aria-label={t('common.loading')} />
}

export function EmptyRow(props: { columns: number; loading?: boolean; error?: string | null }): JSX.Element {
  return (
    <tr class="empty-row">
      <td colSpan={props.columns}>
        <Show when={!props.loading} fallback={<Spinner />}>
          <Show when={props.error} fallback={t('common.no_data')}>
            <span class="error-text">{props.error}</span>
          </Show>
        </Show>
      </td>
    </tr>
  )
}

export function ErrorBanner(props: { message: string | null | undefined }): JSX.Element {
  return (
    <Show when={props.message}>
      <div class="banner banner-error" role="alert">{props.message}</div>
    </Show>
  )
}

/** A button that shows a spinner and is disabled while its action runs. */
export function ActionButton(props: JSX.ButtonHTMLAttributes<HTMLButtonElement> & { action: () => Promise<unknown> | void }): JSX.Element {
  const [local, rest] = splitProps(props, ['action', 'children', 'disabled', 'class'])
  const [busy, setBusy] = createSignal(false)
  return (
    <button
      type="button"
      {...rest}
      class={local.class ?? 'button'}
      disabled={local.disabled || busy()}
      onClick={async () => {
        setBusy(true)
        try {
          await local.action()
        } finally {
          setBusy(false)
        }
      }}
    >
      <Show when={busy()}><Spinner /></Show>
      {local.children}
    </button>
  )
}

export async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text)
    return true
  } catch {
    // Clipboard API needs a secure context; fall back to a hidden textarea (works on plain http).
    const area = document.createElement('textarea')
    area.value = text
    area.setAttribute('readonly', '')
    area.style.position = 'fixed'
    area.style.opacity = '0'
    document.body.append(area)
    area.select()
    const copied = document.execCommand('copy')
    area.remove()
    return copied
  }
}
