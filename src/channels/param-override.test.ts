import { describe, expect, test } from 'bun:test'
import { compileParamOverride } from './param-override.ts'

const apply = (override: Record<string, unknown>, body: Record<string, unknown>) => compileParamOverride(override)!(body)
const chat = () => ({ model: 'gpt-4o', temperature: 0.7, messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'hi' }], metadata: { team: 'a' } })

describe('param_override', () => {
  test('the plain form sets top-level keys; nothing compiles to nothing', () => {
    expect(apply({ temperature: 0.1, top_p: 1 }, chat())).toMatchObject({ temperature: 0.1, top_p: 1, model: 'gpt-4o' })
    expect(compileParamOverride({})).toBeUndefined()
  })

  test('set, delete, move, prepend and append along paths, negative indexes from the end', () => {
    const body = chat()
    const result = apply({
      operations: [
        { path: 'metadata.team', mode: 'set', value: 'b' },
        { path: 'temperature', mode: 'set', value: 1, keep_origin: true },
        { path: 'max_tokens', mode: 'set', value: 512, keep_origin: true },
        { path: 'messages.-1.content', mode: 'append', value: ' (answer in French)' },
        { path: 'messages.0.content', mode: 'prepend', value: 'Policy: ' },
        { path: 'stop', mode: 'append', value: ['END'] },
        { from: 'metadata', to: 'extra_body.metadata', mode: 'move' },
        { path: 'extra_body.metadata.unused', mode: 'delete' },
      ],
    }, body)
    expect(result).toEqual({
      model: 'gpt-4o', temperature: 0.7, max_tokens: 512, stop: ['END'],
      messages: [{ role: 'system', content: 'Policy: Be brief.' }, { role: 'user', content: 'hi (answer in French)' }],
      extra_body: { metadata: { team: 'b' } },
    })
    // The client's body is never changed in place.
    expect(body).toEqual(chat())
  })

  test('conditions: OR by default, AND when asked, inverted, missing keys', () => {
    const operations = (conditions: unknown[], logic?: string) => ({ operations: [{ path: 'flag', mode: 'set', value: true, conditions, ...(logic ? { logic } : {}) }] })
    const hit = (conditions: unknown[], logic?: string) => apply(operations(conditions, logic), chat()).flag === true
    expect(hit([{ path: 'model', mode: 'prefix', value: 'gpt-' }])).toBe(true)
    expect(hit([{ path: 'model', mode: 'full', value: 'gpt-4o-mini' }])).toBe(false)
    expect(hit([{ path: 'model', mode: 'full', value: 'gpt-4o-mini' }, { path: 'temperature', mode: 'gt', value: 0.5 }])).toBe(true)
    expect(hit([{ path: 'model', mode: 'full', value: 'gpt-4o-mini' }, { path: 'temperature', mode: 'gt', value: 0.5 }], 'AND')).toBe(false)
    expect(hit([{ path: 'model', mode: 'contains', value: 'claude', invert: true }])).toBe(true)
    expect(hit([{ path: 'missing', mode: 'full', value: 1 }])).toBe(false)
    expect(hit([{ path: 'missing', mode: 'full', value: 1, pass_missing_key: true }])).toBe(true)
    expect(hit([{ path: 'messages.-1.role', mode: 'suffix', value: 'ser' }])).toBe(true)
  })

  test('block refuses on this channel (retryable); pass stops applying', () => {
    const blocking = compileParamOverride({ operations: [{ mode: 'block', conditions: [{ path: 'model', mode: 'prefix', value: 'gpt-4o' }] }] })!
    expect(() => blocking(chat())).toThrow('blocked by the channel\'s param_override')
    try { blocking(chat()) } catch (error) { expect(error).toMatchObject({ status: 403, retryable: true, code: 'channel:param_override_blocked' }) }
    expect(apply({ operations: [{ mode: 'pass' }, { path: 'x', mode: 'set', value: 1 }] }, chat()).x).toBeUndefined()
  })

  test('a bad document is refused naming the field', () => {
    expect(() => compileParamOverride({ operations: {} })).toThrow('param_override.operations must be an array')
    expect(() => compileParamOverride({ operations: [{ path: 'a', mode: 'replace' }] })).toThrow('param_override.operations[0].mode must be one of set, delete, move')
    expect(() => compileParamOverride({ operations: [{ mode: 'set', value: 1 }] })).toThrow('param_override.operations[0].path must be a path')
    expect(() => compileParamOverride({ operations: [{ path: 'a', mode: 'set' }] })).toThrow('param_override.operations[0].value is required for set')
    expect(() => compileParamOverride({ operations: [{ mode: 'move', from: 'a' }] })).toThrow('param_override.operations[0].to must be a path')
    expect(() => compileParamOverride({ operations: [{ path: 'a', mode: 'delete', conditions: [{ path: 'b', mode: 'gt', value: 'x' }] }] })).toThrow('param_override.operations[0].conditions[0].value must be a number for gt')
    expect(() => compileParamOverride({ operations: [{ path: 'a', mode: 'delete', logic: 'XOR' }] })).toThrow('logic must be AND or OR')
  })
})
