import { defaultOptions, validateOption } from '../cache/options.ts'
import type { SourceRow } from './source.ts'
import { text } from './values.ts'

/**
 * Options carry over by name: new-api's names are Tollgate's. Only the options Tollgate reads are imported (a copy
 * of, say, `GitHubClientSecret` would sit unused in plain text); the others are listed in the report. A known
 * option whose value Tollgate's validation refuses is listed too, with the reason, and left out.
 */
const usedElsewhere = [
  // Read outside the defaults table: console overrides of environment settings, status and branding fields.
  'StreamingTimeout', 'ForceStreamOption', 'GetMediaToken', 'GetMediaTokenNotStream', 'MaxFileDownloadMB', 'LogRetentionDays',
  'ServerAddress', 'Logo', 'Footer', 'Price', 'AudioRatio', 'AudioCompletionRatio', 'TopupGroupRatio',
]
const knownOptionKeys = new Set([...Object.keys(defaultOptions), ...usedElsewhere])

export interface MappedOptions {
  options: [key: string, value: string][]
  unknown: string[]
  refused: string[]
}

export function mapOptions(rows: SourceRow[]): MappedOptions {
  const result: MappedOptions = { options: [], unknown: [], refused: [] }
  for (const row of rows) {
    const key = text(row.key)
    if (!knownOptionKeys.has(key)) {
      result.unknown.push(key)
      continue
    }
    try {
      result.options.push([key, validateOption(key, text(row.value))])
    } catch (error) {
      result.refused.push(`${key}: ${(error as Error).message}`)
    }
  }
  result.unknown.sort()
  return result
}
