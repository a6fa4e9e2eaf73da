import { afterAll, beforeAll, expect, test } from 'bun:test'
import { startTestServer, type ApiClient, type TestServer } from '../testing/server.ts'

/**
 * Elysia fills an absent `t.Optional(t.UnionEnum([...]))` with the enum's first value. An update that leaves a
 * field out must leave it as it is: a disabled token or channel is not re-enabled by editing its name.
 */
let server: TestServer
let root: ApiClient
beforeAll(async () => {
  server = await startTestServer()
  root = await server.signIn()
})
afterAll(() => server.dispose())

test('editing a disabled token without a status keeps it disabled', async () => {
  const id = (await root.call('POST', '/api/token/', { name: 'kept', unlimited_quota: true })).body.data.id
  expect((await root.call('PUT', '/api/token/?status_only=true', { id, status: 2 })).body.success).toBe(true)
  expect((await root.call('PUT', '/api/token/', { id, name: 'renamed' })).body.success).toBe(true)
  const token = (await root.call('GET', `/api/token/${id}`)).body.data
  expect(token.name).toBe('renamed')
  expect(token.status).toBe(2)
})

test('editing a disabled channel without a status keeps it disabled, and its multi-key mode as it was', async () => {
  const created = await root.call('POST', '/api/channel/', { mode: 'single', channel: { type: 1, name: 'kept', key: 'sk-a', base_url: 'http://127.0.0.1:9', models: 'gpt-4o-mini' } })
  const id = created.body.data[0].id
  expect((await root.call('POST', `/api/channel/${id}/status`, { status: 2 })).body.success).toBe(true)
  expect((await root.call('PUT', '/api/channel/', { id, name: 'renamed' })).body.success).toBe(true)
  const channel = (await root.call('GET', `/api/channel/${id}`)).body.data
  expect(channel.name).toBe('renamed')
  expect(channel.status).toBe(2)
})

test('lists without a sort order come newest / highest first, as new-api orders them', async () => {
  for (const name of ['first-user', 'second-user']) await root.call('POST', '/api/user/', { username: name, password: 'list-order-password' })
  const users = (await root.call('GET', '/api/user/?sort_by=id')).body.data.items.map((user: { username: string }) => user.username)
  expect(users.indexOf('second-user')).toBeLessThan(users.indexOf('first-user'))
  for (const priority of [1, 9]) await root.call('POST', '/api/channel/', { mode: 'single', channel: { type: 1, name: `priority-${priority}`, key: 'sk-a', base_url: 'http://127.0.0.1:9', models: 'gpt-4o-mini', priority } })
  const channels = (await root.call('GET', '/api/channel/?sort_by=priority')).body.data.items.map((channel: { name: string }) => channel.name)
  expect(channels.indexOf('priority-9')).toBeLessThan(channels.indexOf('priority-1'))
})
