/** What the API-key pages read (queries) and change (actions; each revalidates the queries on screen). */
import { action, query } from '@solidjs/router'
import { api, toPage, type Page } from '../../lib/api.ts'
import type { Token } from '../../lib/types.ts'

export interface TokenListParameters {
  page: number
  pageSize: number
  keyword: string
}

export const getTokens = query(async (parameters: TokenListParameters): Promise<Page<Token>> => {
  const data = parameters.keyword
    ? await api.get<Page<Token>>('/api/token/search', { keyword: parameters.keyword, p: parameters.page, page_size: parameters.pageSize })
    : await api.get<Page<Token>>('/api/token/', { p: parameters.page, page_size: parameters.pageSize, size: parameters.pageSize })
  return toPage(data, parameters.page, parameters.pageSize)
}, 'tokens')

export const getToken = query((id: number) => api.get<Token>(`/api/token/${id}`), 'token')

/** Groups the signed-in user may put a key in, with their ratio and description. */
export const getOwnGroups = query(async () => {
  try {
    return await api.get<Record<string, { ratio: number; desc: string }>>('/api/user/self/groups')
  } catch {
    return {}
  }
}, 'own-groups')

export const getOwnModels = query(async () => {
  try {
    return (await api.get<string[]>('/api/user/models')) ?? []
  } catch {
    return []
  }
}, 'own-models')

/** The full key is never in the list (masked since new-api 2026-03); it is fetched on demand. */
export async function fetchFullKey(id: number): Promise<string> {
  const data = await api.post<{ key: string }>(`/api/token/${id}/key`)
  return `sk-${data.key}`
}

export const setTokenStatus = action(async (id: number, status: number) => {
  await api.put('/api/token/', { id, status }, { status_only: true })
}, 'token-status')

export const deleteToken = action(async (id: number) => {
  await api.delete(`/api/token/${id}`)
}, 'token-delete')

export const saveToken = action(async (request: { id: number | null; body: Record<string, unknown> }) => {
  if (request.id === null) await api.post('/api/token/', request.body)
  else await api.put('/api/token/', { ...request.body, id: request.id })
}, 'token-save')
