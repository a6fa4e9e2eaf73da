import { ConversionError } from '../errors.ts'

/**
 * Spark versions (the channel's `other`, default v3.5) → the WebSocket path and the `parameter.chat.domain` that
 * version requires, from Xunfei's Spark API reference (and new-api's table): Lite v1.1, v2.1, Pro v3.1, Max v3.5,
 * Pro-128K, Max-32K and 4.0 Ultra.
 */
const versions: Record<string, { path: string; domain: string }> = {
  'v1.1': { path: '/v1.1/chat', domain: 'lite' },
  'v2.1': { path: '/v2.1/chat', domain: 'generalv2' },
  'v3.1': { path: '/v3.1/chat', domain: 'generalv3' },
  'v3.5': { path: '/v3.5/chat', domain: 'generalv3.5' },
  'pro-128k': { path: '/chat/pro-128k', domain: 'pro-128k' },
  'max-32k': { path: '/chat/max-32k', domain: 'max-32k' },
  'v4.0': { path: '/v4.0/chat', domain: '4.0Ultra' },
}

export const xunfeiVersionNames = Object.keys(versions)

/** Why `other` names no version (checked when a channel is saved), null when it does or is empty (v3.5). */
export function xunfeiVersionProblem(other: string): string | null {
  const name = other.trim() || 'v3.5'
  return versions[name] ? null : `unknown Xunfei Spark version "${name}"; use one of ${xunfeiVersionNames.join(', ')}`
}

/**
 * The version of a call: a model named `<name>-<version>` with a known version (new-api's `SparkDesk-v3.5`, one
 * channel serving several versions) picks that one, as new-api does; otherwise the channel's `other`, default v3.5.
 */
export function xunfeiVersion(other: string, model = ''): { path: string; domain: string } {
  const dash = model.indexOf('-')
  const named = dash === -1 ? undefined : versions[model.slice(dash + 1).toLowerCase()]
  if (named) return named
  const problem = xunfeiVersionProblem(other)
  if (problem !== null) throw new ConversionError('channel:invalid_other', problem)
  return versions[other.trim() || 'v3.5']!
}
