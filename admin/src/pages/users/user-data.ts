/** What the user pages read (queries) and change (actions; each revalidates the queries on screen). */
import { action, query } from '@solidjs/router'
import { api, toPage, type Page } from '../../lib/api.ts'
import type { User } from '../../lib/types.ts'

export interface UserFilters {
  keyword: string
  role: string
  status: string
}

export const getUsers = query(async (parameters: { page: number; pageSize: number; filters: UserFilters }): Promise<Page<User>> => {
  const { keyword, role, status } = parameters.filters
  const data = keyword || role || status
    ? await api.get<Page<User>>('/api/user/search', { keyword, role, status, p: parameters.page, page_size: parameters.pageSize })
    : await api.get<Page<User>>('/api/user/', { p: parameters.page, page_size: parameters.pageSize })
  return toPage(data, parameters.page, parameters.pageSize)
}, 'users')

export const getUser = query((id: number) => api.get<User>(`/api/user/${id}`), 'user')

export const getGroupNames = query(async () => {
  try {
    return (await api.get<string[]>('/api/group')) ?? []
  } catch {
    return []
  }
}, 'groups')

export type UserManagement = 'enable' | 'disable' | 'promote' | 'demote' | 'delete'

export const manageUser = action(async (id: number, managed: UserManagement) => {
  await api.post('/api/user/manage', { id, action: managed })
}, 'user-manage')

export const adjustUserQuota = action(async (id: number, mode: 'add' | 'subtract' | 'override', quota: number) => {
  await api.post('/api/user/manage', { id, action: 'add_quota', mode, value: quota })
}, 'user-quota')

export const saveUser = action(async (request: { id: number | null; body: Record<string, unknown> }) => {
  if (request.id === null) await api.post('/api/user/', request.body)
  else await api.put('/api/user/', { ...request.body, id: request.id })
}, 'user-save')
