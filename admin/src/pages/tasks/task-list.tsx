import { revalidate, useSearchParams } from '@solidjs/router'
import { createEffect, createSignal, For, Show, type JSX } from 'solid-js'
import { DataTable, type Column } from '../../components/data-table.tsx'
import { createListState, ListPage } from '../../components/list-page.tsx'
import { notify } from '../../components/toasts.tsx'
import { Badge, QuotaText } from '../../components/ui.tsx'
import { createLoaded, mapLoaded, valueOf } from '../../lib/async-data.ts'
import { formatTimestamp } from '../../lib/format.ts'
import { t } from '../../lib/i18n.ts'
import { isAdmin } from '../../lib/session.ts'
import { getActionTokens, getMidjourneyTasks, getPlatformTasks, submitMidjourneyAction, type MidjourneyTask, type PlatformTask, type TaskFilters } from './task-data.ts'

const emptyFilters: TaskFilters = { status: '', taskId: '' }
const statuses = ['NOT_START', 'SUBMITTED', 'QUEUED', 'IN_PROGRESS', 'SUCCESS', 'FAILURE']

function statusBadge(status: string): JSX.Element {
  const tone = status === 'SUCCESS' ? 'green' : status === 'FAILURE' ? 'red' : status === 'IN_PROGRESS' || status === 'MODAL' ? 'blue' : 'grey'
  return <Badge tone={tone}>{status || '—'}</Badge>
}

/** A finished image's follow-up buttons (U1…V4, zoom, pan), as the proxy offered them. */
function buttonsOf(text: string): { label: string; customId: string }[] {
  try {
    const buttons = JSON.parse(text || '[]') as { label?: string; emoji?: string; customId?: string }[]
    return buttons.map((button) => ({ label: button.label || button.emoji || '', customId: button.customId ?? '' })).filter((button) => button.label && button.customId)
  } catch {
    return []
  }
}

/** Which key pays for a follow-up, and what clicking a button does. */
interface ActionControls { tokenId: () => number | null; run: (task: MidjourneyTask, customId: string) => void; busy: () => boolean }

const midjourneyColumns = (actions: ActionControls): Column<MidjourneyTask>[] => [
  { id: 'time', header: () => t('tasks.submitted'), cell: (task) => <span class="nowrap">{formatTimestamp(task.submit_time / 1000)}</span> },
  { id: 'id', header: () => t('tasks.task_id'), cell: (task) => <code>{task.mj_id}</code> },
  { id: 'action', header: () => t('tasks.action'), cell: (task) => task.action },
  { id: 'status', header: () => t('tasks.status'), cell: (task) => <span>{statusBadge(task.status)} <span class="muted small">{task.progress}</span></span> },
  {
    id: 'image', header: () => t('tasks.image'),
    // Through the gateway's image route: the proxy's or Discord's address never reaches the browser.
    cell: (task) => <Show when={task.image_url}><a href={`/mj/image/${task.mj_id}`} target="_blank" rel="noreferrer"><img class="task-thumbnail" src={`/mj/image/${task.mj_id}`} alt={task.prompt} loading="lazy" width="64" height="64" /></a></Show>,
  },
  { id: 'prompt', header: () => t('tasks.prompt'), cell: (task) => <span class="clip" title={task.prompt}>{task.prompt}</span> },
  {
    id: 'buttons', header: () => t('tasks.follow_ups'),
    cell: (task) => (
      <span class="chips">
        <For each={buttonsOf(task.buttons)}>
          {(button) => <button type="button" class="button small" disabled={task.status !== 'SUCCESS' || actions.tokenId() === null || actions.busy()} title={t('tasks.follow_up_hint')} onClick={() => actions.run(task, button.customId)}>{button.label}</button>}
        </For>
      </span>
    ),
  },
  { id: 'fail', header: () => t('tasks.fail_reason'), cell: (task) => task.fail_reason },
  { id: 'quota', header: () => t('logs.quota'), numeric: true, cell: (task) => <QuotaText quota={task.quota} /> },
  ...(isAdmin() ? [{ id: 'channel', header: () => t('logs.channel'), cell: (task: MidjourneyTask) => `#${task.channel_id}` }] : []),
]

const sunoColumns = (): Column<PlatformTask>[] => [
  { id: 'time', header: () => t('tasks.submitted'), cell: (task) => <span class="nowrap">{formatTimestamp(task.submit_time)}</span> },
  { id: 'id', header: () => t('tasks.task_id'), cell: (task) => <code>{task.task_id}</code> },
  { id: 'action', header: () => t('tasks.action'), cell: (task) => task.action },
  { id: 'status', header: () => t('tasks.status'), cell: (task) => <span>{statusBadge(task.status)} <span class="muted small">{task.progress}</span></span> },
  { id: 'prompt', header: () => t('tasks.prompt'), cell: (task) => <span class="clip" title={task.properties?.prompt}>{task.properties?.title || task.properties?.prompt}</span> },
  {
    id: 'audio', header: () => t('tasks.audio'),
    cell: (task) => <For each={(task.data ?? []).filter((clip) => clip.audio_url)}>{(clip) => <audio controls preload="none" src={clip.audio_url} title={clip.title} />}</For>,
  },
  { id: 'fail', header: () => t('tasks.fail_reason'), cell: (task) => task.fail_reason },
  { id: 'quota', header: () => t('logs.quota'), numeric: true, cell: (task) => <QuotaText quota={task.quota} /> },
  ...(isAdmin() ? [{ id: 'channel', header: () => t('logs.channel'), cell: (task: PlatformTask) => `#${task.channel_id}` }] : []),
]

const videoColumns = (): Column<PlatformTask>[] => [
  { id: 'time', header: () => t('tasks.submitted'), cell: (task) => <span class="nowrap">{formatTimestamp(task.submit_time)}</span> },
  { id: 'id', header: () => t('tasks.task_id'), cell: (task) => <code>{task.task_id}</code> },
  { id: 'model', header: () => t('logs.model'), cell: (task) => task.properties?.model ?? '' },
  { id: 'status', header: () => t('tasks.status'), cell: (task) => <span>{statusBadge(task.status)} <span class="muted small">{task.progress}</span></span> },
  { id: 'seconds', header: () => t('tasks.seconds'), numeric: true, cell: (task) => String(task.properties?.seconds ?? '') },
  { id: 'size', header: () => t('tasks.size'), cell: (task) => task.properties?.size ?? '' },
  { id: 'prompt', header: () => t('tasks.prompt'), cell: (task) => <span class="clip" title={task.properties?.prompt}>{task.properties?.prompt}</span> },
  { id: 'fail', header: () => t('tasks.fail_reason'), cell: (task) => task.fail_reason },
  { id: 'quota', header: () => t('logs.quota'), numeric: true, cell: (task) => <QuotaText quota={task.quota} /> },
  ...(isAdmin() ? [{ id: 'channel', header: () => t('logs.channel'), cell: (task: PlatformTask) => `#${task.channel_id}` }] : []),
]

type Family = 'mj' | 'suno' | 'video'
const families: { id: Family; label: string }[] = [{ id: 'mj', label: 'Midjourney' }, { id: 'suno', label: 'Suno' }, { id: 'video', label: 'Video' }]

/** Asynchronous tasks: Midjourney (thumbnails through /mj/image), Suno (audio players) and videos, one family at a time. */
export function TaskListPage(): JSX.Element {
  const [search, setSearch] = useSearchParams<{ family?: string }>()
  const family = (): Family => (search.family === 'suno' || search.family === 'video' ? search.family : 'mj')
  const list = createListState({ name: 'tasks', defaultPageSize: 10, emptyFilters })
  const tokens = createLoaded(() => getActionTokens())
  const [tokenId, setTokenId] = createSignal<number | null>(null)
  const [busy, setBusy] = createSignal(false)
  createEffect(() => {
    const list = valueOf(tokens())
    if (list && list.length && (tokenId() === null || !list.some((token) => token.id === tokenId()))) setTokenId(list[0]!.id)
  })
  const actions: ActionControls = {
    tokenId, busy,
    async run(task, customId) {
      setBusy(true)
      try {
        const result = await submitMidjourneyAction(tokenId()!, task.mj_id, customId)
        if (result.ok) notify('success', t('tasks.follow_up_submitted', { id: result.id }))
        else notify('error', result.message)
        await revalidate(getMidjourneyTasks.key)
      } finally {
        setBusy(false)
      }
    },
  }
  const midjourney = createLoaded(() => (family() === 'mj' ? getMidjourneyTasks({ admin: isAdmin(), page: list.page(), pageSize: list.pageSize(), filters: list.filters() }) : Promise.resolve(null)))
  const platform = createLoaded(() => {
    const current = family()
    return current === 'mj' ? Promise.resolve(null) : getPlatformTasks({ platform: current, admin: isAdmin(), page: list.page(), pageSize: list.pageSize(), filters: list.filters() })
  })
  const total = () => (family() === 'mj' ? valueOf(midjourney())?.total : valueOf(platform())?.total) ?? 0
  const platformRows = () => mapLoaded(platform(), (page) => page?.items ?? [])
  return (
    <ListPage
      title={t('nav.tasks')}
      list={list}
      total={total()}
      resettable
      actions={<>
        <For each={families}>
          {(entry) => <button type="button" class={`button ${family() === entry.id ? '' : 'ghost'}`} data-testid={`family-${entry.id}`} onClick={() => { setSearch({ family: entry.id }); list.setPage(1) }}>{entry.label}</button>}
        </For>
        <button type="button" class="button" onClick={() => void revalidate([getMidjourneyTasks.key, getPlatformTasks.key])}>{t('common.refresh')}</button>
      </>}
      toolbar={<>
        <input placeholder={t('tasks.task_id')} value={list.draft.taskId} onInput={(event) => list.setDraft('taskId', event.currentTarget.value)} aria-label={t('tasks.task_id')} />
        <Show when={family() === 'mj'}>
          <label class="inline-label">
            <span>{t('tasks.follow_up_key')}</span>
            <select data-testid="action-token" value={tokenId() ?? ''} onChange={(event) => setTokenId(Number(event.currentTarget.value))}>
              <For each={valueOf(tokens()) ?? []}>{(token) => <option value={token.id}>{token.name}</option>}</For>
            </select>
          </label>
        </Show>
        <Show when={family() !== 'mj'}>
          <select value={list.draft.status} onChange={(event) => list.applyNow('status', event.currentTarget.value)} aria-label={t('tasks.status')}>
            <option value="">{t('tasks.all_statuses')}</option>
            <For each={statuses}>{(status) => <option value={status}>{status}</option>}</For>
          </select>
        </Show>
      </>}
    >
      <Show when={family() === 'mj'}>
        <DataTable testId="mj-tasks-table" columns={midjourneyColumns(actions)} rows={mapLoaded(midjourney(), (page) => page?.items ?? [])} />
      </Show>
      <Show when={family() === 'suno'}>
        <DataTable testId="suno-tasks-table" columns={sunoColumns()} rows={platformRows()} />
      </Show>
      <Show when={family() === 'video'}>
        <DataTable testId="video-tasks-table" columns={videoColumns()} rows={platformRows()} />
      </Show>
    </ListPage>
  )
}
