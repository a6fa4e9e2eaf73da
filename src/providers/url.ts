/**
 * Joins a channel base URL and an endpoint path without doubling the segments users often paste into the base
 * URL (`https://api.deepseek.com/v1` + `/v1/chat/completions`, `.../api/paas/v4` + `/api/paas/v4/chat/completions`).
 */
export function joinUrl(baseUrl: string, path: string): string {
  const base = baseUrl.endsWith('/') ? baseUrl.replace(/\/+$/, '') : baseUrl
  const schemeEnd = base.indexOf('://')
  const pathStart = schemeEnd === -1 ? base.indexOf('/') : base.indexOf('/', schemeEnd + 3)
  if (pathStart === -1) return base + path
  const baseSegments = base.slice(pathStart + 1).split('/')
  const queryStart = path.indexOf('?')
  const pathOnly = queryStart === -1 ? path : path.slice(0, queryStart)
  const pathSegments = pathOnly.slice(1).split('/')
  for (let overlap = Math.min(baseSegments.length, pathSegments.length - 1); overlap > 0; overlap--) {
    let matches = true
    for (let index = 0; index < overlap; index++) {
      if (baseSegments[baseSegments.length - overlap + index] !== pathSegments[index]) {
        matches = false
        break
      }
    }
    if (matches) return base + '/' + path.slice(1).split('/').slice(overlap).join('/')
  }
  return base + path
}
