/**
 * The frame of every list page: a header with the page's buttons, a toolbar of filters applied on Search, the
 * table, and a pager whose page size is remembered per user. A new list page is its columns, filters and query.
 */
import { createSignal, Show, type Accessor, type JSX } from 'solid-js'
import { createStore, type SetStoreFunction } from 'solid-js/store'
import { t } from '../lib/i18n.ts'
import { user } from '../lib/session.ts'
import { readPreference, writePreference } from '../lib/storage.ts'
import { Pager } from './ui.tsx'

export interface ListState<Filters extends object> {
  page: Accessor<number>
  setPage: (page: number) => void
  pageSize: Accessor<number>
  setPageSize: (size: number) => void
  /** What the toolbar shows while typing. */
  draft: Filters
  setDraft: SetStoreFunction<Filters>
  /** What the query uses: the draft as of the last Search. */
  filters: Accessor<Filters>
  apply: () => void
  /** Set one filter and search at once (selects, where there is nothing more to type). */
  applyNow: <Name extends keyof Filters>(name: Name, value: Filters[Name]) => void
  reset: () => void
}

export function createListState<Filters extends object>(options: { name: string; defaultPageSize: number; emptyFilters: Filters }): ListState<Filters> {
  const userId = user()?.id
  const preference = `${options.name}.page_size`
  const [page, setPage] = createSignal(1)
  const [pageSize, setPageSizeSignal] = createSignal<number>(readPreference(userId, preference, options.defaultPageSize))
  const [draft, setDraft] = createStore<Filters>({ ...options.emptyFilters })
  const [filters, setFilters] = createSignal<Filters>({ ...options.emptyFilters })
  const apply = () => {
    setPage(1)
    setFilters(() => ({ ...draft }))
  }
  return {
    page,
    setPage,
    pageSize,
    setPageSize(size) {
      writePreference(userId, preference, size)
      setPageSizeSignal(size)
      setPage(1)
    },
    draft,
    setDraft,
    filters,
    apply,
    applyNow(name, value) {
      ;(setDraft as (name: keyof Filters, value: unknown) => void)(name, value)
      apply()
    },
    reset() {
      setDraft({ ...options.emptyFilters })
      apply()
    },
  }
}

export function ListPage<Filters extends object>(props: {
  title: string
  list: ListState<Filters>
  total: number
  /** Buttons beside the title (create, test all…). */
  actions?: JSX.Element
  /** Filter inputs; a Search button (and Reset, with `resettable`) follow them. */
  toolbar?: JSX.Element
  resettable?: boolean
  /** Between the toolbar and the table (summaries, pickers). */
  above?: JSX.Element
  /** The table. */
  children: JSX.Element
  /** After the pager (dialogs). */
  below?: JSX.Element
}): JSX.Element {
  return (
    <section class="page">
      <header class="page-header">
        <h1>{props.title}</h1>
        <Show when={props.actions}><div class="header-actions">{props.actions}</div></Show>
      </header>
      <Show when={props.toolbar}>
        <form
          class="toolbar filters"
          onSubmit={(event) => {
            event.preventDefault()
            props.list.apply()
          }}
        >
          {props.toolbar}
          <button type="submit" class="button">{t('common.search')}</button>
          <Show when={props.resettable}>
            <button type="button" class="button ghost" onClick={() => props.list.reset()}>{t('common.reset')}</button>
          </Show>
        </form>
      </Show>
      {props.above}
      {props.children}
      <Pager page={props.list.page()} pageSize={props.list.pageSize()} total={props.total} onPage={props.list.setPage} onPageSize={props.list.setPageSize} />
      {props.below}
    </section>
  )
}
