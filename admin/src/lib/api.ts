/**
 * The one door to the management API. Every `/api/*` answer is new-api's envelope
 * `{success, message, data}`; business failures arrive as HTTP 200 with `success:false`, so the
 * envelope, not the status, decides. A 401 is special: the session is gone, the caller is sent to
 * sign-in (forms keep their drafts in sessionStorage, see drafts.ts).
 */

export interface Envelope<T> {
  success: boolean
  message: string
  data?: T
  /** A few routes put figures at the top level (channel test `time`, balance `balance`). */
  [field: string]: unknown
}

/** new-api's shared page object (1-based `page`). */
export interface Page<T> {
  items: T[]
  total: number
  page: number
  page_size: number
  type_counts?: Record<string, number>
}

export class ApiError extends Error {
  constructor(message: string, readonly status: number) {
    super(message)
    this.name = 'ApiError'
  }
}

export class UnauthorizedError extends ApiError {
  constructor(message: string) {
    super(message, 401)
    this.name = 'UnauthorizedError'
  }
}

type QueryValue = string | number | boolean | undefined | null

export interface RequestOptions {
  query?: Record<string, QueryValue>
  body?: unknown
  signal?: AbortSignal
}

let currentUserId: number | null = null
let unauthorizedHandler: (message: string) => void = () => {}

/** The classic new-api dashboard sends the user id beside the cookie; servers that check it need it. */
export function setApiUserId(userId: number | null): void {
  currentUserId = userId
}

export function onUnauthorized(handler: (message: string) => void): void {
  unauthorizedHandler = handler
}

export function buildQuery(query: Record<string, QueryValue> | undefined): string {
  if (!query) return ''
  const parameters = new URLSearchParams()
  for (const [name, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === '') continue
    parameters.set(name, String(value))
  }
  const text = parameters.toString()
  return text ? `?${text}` : ''
}

export async function requestEnvelope<T>(method: string, path: string, options: RequestOptions = {}): Promise<Envelope<T>> {
  const headers: Record<string, string> = { Accept: 'application/json' }
  if (options.body !== undefined) headers['Content-Type'] = 'application/json'
  if (currentUserId !== null) headers['New-Api-User'] = String(currentUserId)
  let response: Response
  try {
    response = await fetch(path + buildQuery(options.query), {
      method,
      headers,
      credentials: 'same-origin',
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: options.signal,
    })
  } catch (error) {
    if (error instanceof DOMException && error.name === 'AbortError') throw error
    throw new ApiError(`Network error: ${(error as Error).message}`, 0)
  }
  const text = await response.text()
  let envelope: Envelope<T> | null = null
  try {
    envelope = text ? (JSON.parse(text) as Envelope<T>) : null
  } catch {
    envelope = null
  }
  if (response.status === 401) {
    const message = envelope?.message || 'Not signed in'
    unauthorizedHandler(message)
    throw new UnauthorizedError(message)
  }
  if (response.status === 429) throw new ApiError(envelope?.message || 'Too many requests, try again in a moment', 429)
  if (!envelope || typeof envelope !== 'object') {
    throw new ApiError(`Unexpected answer from the server (HTTP ${response.status})`, response.status)
  }
  // /api/pricing and /api/models carry no `message`; the epay routes carry no `success`.
  if (envelope.success === false) throw new ApiError(envelope.message || `Request refused (HTTP ${response.status})`, response.status)
  if (!response.ok && envelope.success !== true) {
    throw new ApiError(envelope.message || `Request failed (HTTP ${response.status})`, response.status)
  }
  return envelope
}

export async function requestData<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
  const envelope = await requestEnvelope<T>(method, path, options)
  return envelope.data as T
}

export const api = {
  get: <T>(path: string, query?: Record<string, QueryValue>, signal?: AbortSignal) => requestData<T>('GET', path, { query, signal }),
  post: <T>(path: string, body?: unknown, query?: Record<string, QueryValue>) => requestData<T>('POST', path, { body: body ?? {}, query }),
  put: <T>(path: string, body?: unknown, query?: Record<string, QueryValue>) => requestData<T>('PUT', path, { body: body ?? {}, query }),
  delete: <T>(path: string) => requestData<T>('DELETE', path),
}

/** Old servers answered lists as bare arrays; accept both so the console works against either. */
export function toPage<T>(data: Page<T> | T[] | null | undefined, page = 1, pageSize = 10): Page<T> {
  if (Array.isArray(data)) return { items: data, total: data.length, page, page_size: pageSize }
  if (!data) return { items: [], total: 0, page, page_size: pageSize }
  return { ...data, items: data.items ?? [], total: data.total ?? data.items?.length ?? 0 }
}

export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message
  return String(error)
}
