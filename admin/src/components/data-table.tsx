/**
 * The one table every list page draws: columns, an optional actions column that stays in view when the table
 * scrolls sideways, sortable headers, and the loading / error / empty states in place of rows.
 */
import { For, Match, Show, Switch, type JSX } from 'solid-js'
import { errorOf, type Loaded } from '../lib/async-data.ts'
import { t } from '../lib/i18n.ts'
import { Spinner } from './ui.tsx'

export interface Column<Row> {
  id: string
  /** A function so the header follows the language. */
  header: () => JSX.Element
  /** Shown before the value when rows become cards on a phone; defaults to the header when it is text. */
  label?: () => string
  cell: (row: Row) => JSX.Element
  numeric?: boolean
  sortable?: boolean
  class?: string
}

export interface TableSort {
  by: string
  order: 'asc' | 'desc'
  onSort: (columnId: string) => void
}

export function DataTable<Row>(props: {
  testId: string
  columns: readonly Column<Row>[]
  rows: Loaded<readonly Row[]>
  /** Buttons for one row; the column is pinned to the right edge so they stay visible and clickable. */
  actions?: (row: Row) => JSX.Element
  actionsHeader?: string
  sort?: TableSort
  onRowClick?: (row: Row) => void
  rowClass?: string
  class?: string
}): JSX.Element {
  const columnCount = () => props.columns.length + (props.actions ? 1 : 0)
  const sortMark = (id: string) => (props.sort?.by === id ? (props.sort.order === 'asc' ? ' ▲' : ' ▼') : '')
  const labelOf = (column: Column<Row>) => {
    if (column.label) return column.label()
    const header = column.header()
    return typeof header === 'string' ? header : undefined
  }
  const items = () => (props.rows.status === 'ready' ? props.rows.value : [])
  return (
    <div class="table-wrap">
      <table class={`table ${props.class ?? ''}`} data-testid={props.testId}>
        <thead>
          <tr>
            <For each={props.columns}>
              {(column) => (
                <th classList={{ number: column.numeric, [column.class ?? '']: !!column.class }}>
                  <Show when={column.sortable && props.sort} fallback={column.header()}>
                    <button type="button" class="sort" onClick={() => props.sort!.onSort(column.id)}>{column.header()}{sortMark(column.id)}</button>
                  </Show>
                </th>
              )}
            </For>
            <Show when={props.actions}>
              <th class="actions">{props.actionsHeader ?? t('common.actions')}</th>
            </Show>
          </tr>
        </thead>
        <tbody>
          <For each={items()} fallback={<StateRow columns={columnCount()} rows={props.rows} />}>
            {(row) => (
              <tr class={props.rowClass} onClick={props.onRowClick ? () => props.onRowClick!(row) : undefined}>
                <For each={props.columns}>
                  {(column) => <td data-label={labelOf(column)} classList={{ number: column.numeric, [column.class ?? '']: !!column.class }}>{column.cell(row)}</td>}
                </For>
                <Show when={props.actions}>
                  <td class="actions" onClick={(event) => event.stopPropagation()}>
                    <div class="row-actions">{props.actions!(row)}</div>
                  </td>
                </Show>
              </tr>
            )}
          </For>
        </tbody>
      </table>
    </div>
  )
}

function StateRow(props: { columns: number; rows: Loaded<readonly unknown[]> }): JSX.Element {
  return (
    <tr class="empty-row">
      <td colSpan={props.columns}>
        <Switch fallback={t('common.no_data')}>
          <Match when={props.rows.status === 'loading'}><Spinner /></Match>
          <Match when={errorOf(props.rows)}>
            {(message) => <span class="error-text" role="alert">{message()}</span>}
          </Match>
        </Switch>
      </td>
    </tr>
  )
}
