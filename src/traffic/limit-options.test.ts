import { describe, expect, test } from 'bun:test'
import { parseLimitOptions, validateLimitOption } from './limit-options.ts'

describe('rate-limit options', () => {
  test('parsed once into maps: any group name works, constructor included', () => {
    const parsed = parseLimitOptions({
      GroupRateLimits: '{"vip": {"rpm_limit": 0, "tpm_limit": 100}}', ModelRequestRateLimitEnabled: 'true',
      ModelRequestRateLimitDurationMinutes: '5', ModelRequestRateLimitCount: '0', ModelRequestRateLimitSuccessCount: '7',
      ModelRequestRateLimitGroup: '{"constructor": [3, 2]}',
    })
    expect(parsed.groups.get('vip')).toEqual({ rpm: 0, tpm: 100, concurrency: undefined })
    expect(parsed.groups.get('constructor')).toBeUndefined()
    expect(parsed.modelRequests).toMatchObject({ minutes: 5, windowMs: 300_000, count: 0, successCount: 7 })
    expect(parsed.modelRequests!.groups.get('constructor')).toEqual([3, 2])
    expect(parsed.modelRequests!.groups.get('toString')).toBeUndefined()
    expect(parseLimitOptions({ ModelRequestRateLimitEnabled: 'false' }).modelRequests).toBeUndefined()
  })

  test('malformed values are refused, naming the option, the group and the field', () => {
    const refusal = (key: string, value: string) => { try { validateLimitOption(key, value); return '' } catch (error) { return (error as Error).message } }
    expect(refusal('GroupRateLimits', '[1]')).toContain('GroupRateLimits must be a JSON object')
    expect(refusal('GroupRateLimits', '{"vip": {"tpm_limit": 1.5}}')).toContain('group "vip": tpm_limit must be a whole number')
    expect(refusal('ModelRequestRateLimitGroup', '{"vip": [1]}')).toContain('group "vip" must be [count ≥ 0, successCount ≥ 1]')
    expect(refusal('ModelRequestRateLimitSuccessCount', '0')).toContain('ModelRequestRateLimitSuccessCount must be a whole number ≥ 1')
    expect(refusal('ModelRequestRateLimitCount', '-1')).toContain('ModelRequestRateLimitCount')
    expect(refusal('GroupRateLimits', '{"vip": {"concurrency_limit": null}}')).toBe('')
  })
})
