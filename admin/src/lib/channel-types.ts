/**
 * The channel-type catalogue as the console receives it from GET /api/channel/types (the one table lives in the
 * server's src/providers/channel-types.ts), and the pure decisions the channel pages make with it.
 */

// The shape is the server's own: the console reads what that module serves, so it cannot drift from it.
import type { ChannelTypeEntry, LocalText } from '../../../src/providers/channel-types.ts'

export type { ChannelTypeEntry, LocalText }

/** The entry for a type; a number the catalogue does not know (or has not loaded yet) still gets a name. */
export function findChannelType(catalogue: readonly ChannelTypeEntry[] | undefined, type: number): ChannelTypeEntry {
  return catalogue?.find((entry) => entry.type === type) ?? {
    type, name: `Type ${type}`, label: `Type ${type}`, default_base_url: '', base_url_required: false, base_url_hint: null, key_hint: null, key_is_json: false,
    other_label: null, other_hint: null, other_required: false, testable: false, has_balance: false, supported: false, default_models: [], serves: [],
  }
}

/**
 * The types the form offers: only those that work, plus the channel's own type when an existing channel is of one
 * that does not (so it is shown by its name, not silently switched to another type).
 */
export function offeredChannelTypes(catalogue: readonly ChannelTypeEntry[], currentType: number | null): ChannelTypeEntry[] {
  const offered = catalogue.filter((entry) => entry.supported)
  if (currentType !== null && !offered.some((entry) => entry.type === currentType)) return [findChannelType(catalogue, currentType), ...offered]
  return offered
}

/**
 * Checks that depend on the type, mirrored from what new-api refuses on create (§4), so the operator hears about
 * them before sending. Returns a message key for i18n or null.
 */
export function checkTypeRequirements(type: ChannelTypeEntry, input: { baseUrl: string; other: string; key: string }):
  'error.base_url_required' | 'error.other_required' | 'error.vertex_regions' | 'error.key_json' | null {
  if (type.base_url_required && input.baseUrl.trim() === '') return 'error.base_url_required'
  if (type.other_required && input.other.trim() === '') return 'error.other_required'
  if (type.type === 41) {
    try {
      const regions = JSON.parse(input.other) as unknown
      if (typeof regions !== 'object' || regions === null || typeof (regions as Record<string, unknown>).default !== 'string') return 'error.vertex_regions'
    } catch {
      return 'error.vertex_regions'
    }
  }
  // Vertex AI also takes an API key (express mode): only a key that starts as JSON must be JSON.
  const expressKey = type.type === 41 && !/^\s*[[{]/.test(input.key)
  if (type.key_is_json && input.key.trim() !== '' && !expressKey) {
    try {
      JSON.parse(input.key)
    } catch {
      return 'error.key_json'
    }
  }
  return null
}
