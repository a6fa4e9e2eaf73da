export { assertPublicUrl, findNonPublicRange, isAllowListedHost, isPublicAddress, UnsafeUrlError } from './ssrf.ts'
export type { PublicUrlCheck, ResolveHost } from './ssrf.ts'
export { safeFetch, SafeFetchError } from './safe-fetch.ts'
export type { SafeFetchErrorCode, SafeFetchOptions, SafeFetchResult } from './safe-fetch.ts'
