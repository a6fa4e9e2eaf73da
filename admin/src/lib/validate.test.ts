import { describe, expect, test } from 'bun:test'
import { normaliseList, validateIpList, validateJsonObject, validateModelMapping, validateNumberMap, validateStatusCodeMapping, validateStatusRanges } from './validate.ts'

describe('form validation', () => {
  test('model mapping: a JSON object of model names', () => {
    expect(validateModelMapping('')).toBeNull()
    expect(validateModelMapping('{"gpt-4o": "gpt-4o-2024-08-06"}')).toBeNull()
    expect(validateModelMapping('{"gpt-4o": ')?.key).toBe('error.json_invalid')
    expect(validateModelMapping('["gpt-4o"]')?.key).toBe('error.json_not_object')
    expect(validateModelMapping('{"gpt-4o": 4}')).toEqual({ key: 'error.mapping_value_string', params: { name: 'gpt-4o' } })
    expect(validateModelMapping('{"gpt-4o": ""}')?.key).toBe('error.mapping_value_string')
  })

  test('status code mapping: both sides HTTP statuses', () => {
    expect(validateStatusCodeMapping('{"400": "500", "429": 503}')).toBeNull()
    expect(validateStatusCodeMapping('{"abc": "500"}')).toEqual({ key: 'error.status_code_invalid', params: { name: 'abc' } })
    expect(validateStatusCodeMapping('{"400": "700"}')?.key).toBe('error.status_code_invalid')
    expect(validateStatusCodeMapping('{"99": "500"}')?.key).toBe('error.status_code_invalid')
  })

  test('generic JSON objects and number maps', () => {
    expect(validateJsonObject('{"temperature": 0.7}')).toBeNull()
    expect(validateJsonObject('null')?.key).toBe('error.json_not_object')
    expect(validateNumberMap('{"gpt-4o": 1.25}')).toBeNull()
    expect(validateNumberMap('{"gpt-4o": "1.25"}')?.key).toBe('error.number_invalid')
    expect(validateNumberMap('{"gpt-4o": -1}')?.key).toBe('error.number_invalid')
  })

  test('status ranges as the auto-disable options take them', () => {
    expect(validateStatusRanges('401,403, 500-599')).toBeNull()
    expect(validateStatusRanges('401,,403')?.key).toBe('error.status_ranges_invalid')
    expect(validateStatusRanges('599-500')?.key).toBe('error.status_ranges_invalid')
    expect(validateStatusRanges('5xx')?.key).toBe('error.status_ranges_invalid')
  })

  test('IP allow-list: addresses and CIDR ranges, one per line', () => {
    expect(validateIpList('192.168.1.10\n10.0.0.0/8\n\n::1\n2001:db8::/32')).toBeNull()
    expect(validateIpList('192.168.1.300')).toEqual({ key: 'error.ip_invalid', params: { name: '192.168.1.300' } })
    expect(validateIpList('10.0.0.0/33')?.key).toBe('error.ip_invalid')
    expect(validateIpList('example.com')?.key).toBe('error.ip_invalid')
  })

  test('lists are trimmed and de-duplicated in order', () => {
    expect(normaliseList(' gpt-4o, gpt-4o-mini,,gpt-4o\nclaude ')).toBe('gpt-4o,gpt-4o-mini,claude')
  })
})
