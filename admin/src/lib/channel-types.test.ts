import { describe, expect, test } from 'bun:test'
// The console's helpers are tested against the server's own catalogue, so the two cannot drift apart.
import { channelTypeCatalog } from '../../../src/providers/channel-types.ts'
import { checkTypeRequirements, findChannelType, offeredChannelTypes } from './channel-types.ts'

const catalogue = channelTypeCatalog()
const base = { baseUrl: '', other: '', key: 'k' }

describe('channel types in the console', () => {
  test('known types carry their default base URL; unknown ones still get a name and are not offered', () => {
    expect(findChannelType(catalogue, 1).default_base_url).toBe('https://api.openai.com')
    expect(findChannelType(catalogue, 4).default_base_url).toBe('http://localhost:11434')
    expect(findChannelType(catalogue, 999)).toMatchObject({ label: 'Type 999', supported: false, testable: false })
    expect(findChannelType(undefined, 14).label).toBe('Type 14')
  })

  test('a new channel is offered only supported types; an existing channel keeps its unsupported type by name', () => {
    const offered = offeredChannelTypes(catalogue, null).map((entry) => entry.type)
    expect(offered).toContain(1)
    expect(offered).toContain(14)
    expect(offered).toContain(2) // Midjourney is a task family now
    expect(offered).not.toContain(11)
    const editing = offeredChannelTypes(catalogue, 11)
    expect(editing[0]).toMatchObject({ type: 11, label: 'PaLM', supported: false })
    expect(editing.filter((entry) => !entry.supported).map((entry) => entry.type)).toEqual([11])
    expect(offeredChannelTypes(catalogue, 1).filter((entry) => entry.type === 1)).toHaveLength(1)
  })

  test('type requirements mirror what new-api refuses on create', () => {
    const check = (type: number, input: Partial<typeof base> = {}) => checkTypeRequirements(findChannelType(catalogue, type), { ...base, ...input })
    expect(check(1)).toBeNull()
    expect(check(8)).toBe('error.base_url_required')
    expect(check(60)).toBe('error.base_url_required')
    expect(check(41, { other: '{"region":"x"}', key: '{}' })).toBe('error.vertex_regions')
    expect(check(41, { other: '{"default":"us-central1"}', key: '{not json' })).toBe('error.key_json')
    expect(check(41, { other: '{"default":"us-central1"}', key: 'AQ.express-api-key' })).toBeNull()
    expect(findChannelType(catalogue, 41)).toMatchObject({ supported: true, testable: true, key_is_json: true })
    expect(findChannelType(catalogue, 41).base_url_hint?.en).toContain('aiplatform.googleapis.com')
    expect(check(41, { other: '{"default":"us-central1"}', key: '{"type":"service_account"}' })).toBeNull()
    expect(check(39)).toBe('error.other_required')
  })

  test('task-style and unsupported providers cannot be tested', () => {
    expect(findChannelType(catalogue, 2).testable).toBe(false)
    expect(findChannelType(catalogue, 36).testable).toBe(false)
    expect(findChannelType(catalogue, 1).testable).toBe(true)
  })
})
