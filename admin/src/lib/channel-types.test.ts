import { describe, expect, test } from 'bun:test'
import { channelType, checkTypeRequirements, isTestable } from './channel-types.ts'

describe('channel types', () => {
  test('known types carry their default base URL; unknown ones still get a name', () => {
    expect(channelType(1).defaultBaseUrl).toBe('https://api.openai.com')
    expect(channelType(4).defaultBaseUrl).toBe('http://localhost:11434')
    expect(channelType(999).name).toBe('Type 999')
  })

  test('type requirements mirror what new-api refuses on create', () => {
    const base = { baseUrl: '', other: '', key: 'k', isNew: true }
    expect(checkTypeRequirements({ ...base, type: 1 })).toBeNull()
    expect(checkTypeRequirements({ ...base, type: 8 })).toBe('error.base_url_required')
    expect(checkTypeRequirements({ ...base, type: 60 })).toBe('error.base_url_required')
    expect(checkTypeRequirements({ ...base, type: 41, other: '{"region":"x"}', key: '{}' })).toBe('error.vertex_regions')
    expect(checkTypeRequirements({ ...base, type: 41, other: '{"default":"us-central1"}', key: 'not json' })).toBe('error.key_json')
    expect(checkTypeRequirements({ ...base, type: 41, other: '{"default":"us-central1"}', key: '{"type":"service_account"}' })).toBeNull()
    expect(checkTypeRequirements({ ...base, type: 39 })).toBe('error.other_required')
  })

  test('task-style providers cannot be tested', () => {
    expect(isTestable(2)).toBe(false)
    expect(isTestable(1)).toBe(true)
  })
})
