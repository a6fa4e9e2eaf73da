import { describe, expect, test } from 'bun:test'
import { en, translate, zh } from './messages.ts'

const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((match) => match[1]).sort()

describe('messages', () => {
  test('every Chinese text is filled and uses the same placeholders as the English one', () => {
    for (const key of Object.keys(en) as (keyof typeof en)[]) {
      expect(zh[key]?.trim().length ?? 0, key).toBeGreaterThan(0)
      expect(placeholders(zh[key]), key).toEqual(placeholders(en[key]))
    }
  })

  test('placeholders are filled; unknown ones are left visible', () => {
    expect(translate('en', 'pager.position', { page: 2, pages: 30 })).toBe('Page 2 of 30')
    expect(translate('zh', 'pager.position', { page: 2, pages: 30 })).toBe('第 2 / 30 页')
    expect(translate('en', 'pager.position', { page: 2 })).toBe('Page 2 of {pages}')
  })
})
