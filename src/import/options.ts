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
  // Registration, e-mail and Turnstile (src/auth/).
  'SMTPServer', 'SMTPPort', 'SMTPAccount', 'SMTPFrom', 'TurnstileSiteKey',
]
/** Secrets Tollgate reads, sealed on the way in as the options API seals them (a Turnstile check left without its secret would lock every sign-in out). */
const sealedKeys = new Set(['SMTPToken', 'TurnstileSecretKey'])
const knownOptionKeys = new Set([...Object.keys(defaultOptions), ...usedElsewhere, ...sealedKeys])

export interface MappedOptions {
  options: [key: string, value: string][]
  unknown: string[]
  refused: string[]
}

export function mapOptions(rows: SourceRow[], seal: (value: string) => string): MappedOptions {
  const result: MappedOptions = { options: [], unknown: [], refused: [] }
  for (const row of rows) {
    const key = text(row.key)
    if (!knownOptionKeys.has(key)) {
      result.unknown.push(key)
      continue
    }
    try {
      const value = validateOption(key, text(row.value))
      result.options.push([key, sealedKeys.has(key) && value !== '' ? seal(value) : value])
    } catch (error) {
      result.refused.push(`${key}: ${(error as Error).message}`)
    }
  }
  result.unknown.sort()
  return result
}
