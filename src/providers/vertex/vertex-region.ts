/**
 * The region a model is served from, as new-api keeps it in the channel's `other` field: a JSON map
 * `{"default": "us-central1", "claude-sonnet-4-5": "us-east5"}`, or one region for every model. Nothing set: `global`.
 */

const regionPattern = /^[a-z][a-z0-9-]{0,62}$/

const parsedMaps = new Map<string, Record<string, unknown> | string>()

function readOther(other: string): Record<string, unknown> | string {
  let parsed = parsedMaps.get(other)
  if (parsed !== undefined) return parsed
  const trimmed = other.trim()
  if (trimmed.startsWith('{')) {
    try { parsed = JSON.parse(trimmed) as Record<string, unknown> } catch { parsed = {} }
  } else parsed = trimmed
  if (parsedMaps.size >= 256) parsedMaps.clear()
  parsedMaps.set(other, parsed)
  return parsed
}

/** What is wrong with a channel's `other` as Vertex regions, or null when it is usable (checked when the channel is saved). */
export function vertexRegionsProblem(other: string): string | null {
  const trimmed = other.trim()
  if (trimmed.length === 0) return null
  if (!trimmed.startsWith('{')) return regionPattern.test(trimmed) ? null : `"${trimmed.slice(0, 40)}" is not a region name (such as us-central1 or global)`
  let parsed: unknown
  try { parsed = JSON.parse(trimmed) } catch (error) { return `the regions are not valid JSON: ${(error as Error).message}` }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return 'the regions must be a JSON object such as {"default": "us-central1"}'
  for (const [model, region] of Object.entries(parsed)) {
    if (typeof region !== 'string' || !regionPattern.test(region)) return `the region of "${model}" is not a region name (such as us-central1 or global)`
  }
  return null
}

/**
 * The model's region: the entry of the name the client asked for (new-api keys the map by it), else of the upstream
 * name, else `default`, else `global`. Never anything but a region-shaped name (it becomes a host name).
 */
export function vertexRegion(other: string, model: string, requestedModel = model): string {
  const regions = readOther(other)
  let region: unknown
  if (typeof regions === 'string') region = regions
  else region = regions[requestedModel] ?? regions[model] ?? regions.default
  return typeof region === 'string' && regionPattern.test(region) ? region : 'global'
}
