import { createEffect, on, onCleanup, onMount, type JSX } from 'solid-js'
import uPlot from 'uplot'
import 'uplot/dist/uPlot.min.css'
import { theme } from '../lib/appearance.ts'
import { formatCompact } from '../lib/format.ts'

export interface ChartSeries {
  label: string
  values: (number | null)[]
}

/** A distinct, colour-blind-friendlier palette (Okabe-Ito first, then extras). */
export const palette = ['#2563eb', '#e69f00', '#009e73', '#cc79a7', '#56b4e9', '#d55e00', '#7c3aed', '#f0c020', '#64748b', '#0f766e']

function cssVariable(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim()
}

/**
 * uPlot line/bar chart over hourly buckets. Rebuilt when the data or theme changes (uPlot's
 * colours are fixed at construction); resized with the container.
 */
export function LineChart(props: {
  title: string
  timestamps: number[]
  series: ChartSeries[]
  formatValue?: (value: number) => string
  height?: number
  bars?: boolean
  testId?: string
}): JSX.Element {
  let container!: HTMLDivElement
  let chart: uPlot | null = null

  const build = () => {
    chart?.destroy()
    const text = cssVariable('--text-muted') || '#666'
    const grid = cssVariable('--border') || '#ddd'
    const format = props.formatValue ?? formatCompact
    const width = Math.max(240, container.clientWidth)
    const barsPath = props.bars ? uPlot.paths.bars?.({ size: [0.8, 40] }) : undefined
    const options: uPlot.Options = {
      width,
      height: props.height ?? 220,
      cursor: { drag: { x: true, y: false } },
      legend: { show: true, live: true },
      scales: { x: { time: true } },
      axes: [
        { stroke: text, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid } },
        {
          stroke: text,
          grid: { stroke: grid, width: 1 },
          ticks: { stroke: grid },
          // Wide enough for the longest label ($0.000016 needs more room than 40).
          size: (_chart, values) => Math.max(40, ...(values ?? []).map((label) => String(label).length * 7 + 18)),
          values: (_chart, splits) => splits.map((value) => format(value)),
        },
      ],
      series: [
        {},
        ...props.series.map((series, index) => ({
          label: series.label,
          stroke: palette[index % palette.length],
          fill: props.bars ? palette[index % palette.length] + 'cc' : palette[index % palette.length] + '22',
          width: 2,
          paths: barsPath,
          points: { show: props.timestamps.length < 30 },
          value: (_chart: uPlot, value: number | null) => (value === null || value === undefined ? '–' : format(value)),
        })),
      ],
    }
    const data: uPlot.AlignedData = [props.timestamps, ...props.series.map((series) => series.values)]
    chart = new uPlot(options, data, container)
  }

  onMount(() => {
    build()
    const observer = new ResizeObserver(() => {
      if (chart && container.clientWidth > 0 && Math.abs(chart.width - container.clientWidth) > 4) {
        chart.setSize({ width: container.clientWidth, height: props.height ?? 220 })
      }
    })
    observer.observe(container)
    onCleanup(() => observer.disconnect())
  })
  createEffect(on(() => [props.timestamps, props.series, theme()], () => build(), { defer: true }))
  onCleanup(() => chart?.destroy())

  return (
    <figure class="chart" data-testid={props.testId}>
      <figcaption>{props.title}</figcaption>
      <div ref={container} class="chart-canvas" />
    </figure>
  )
}
