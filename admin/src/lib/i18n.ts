/**
 * `t()` reads the locale signal, so any text rendered through it switches language in place.
 * The texts themselves are in messages.ts.
 */
import { locale } from './appearance.ts'
import { translate, type MessageKey } from './messages.ts'
import type { ValidationError } from './validate.ts'

export type { MessageKey }
export { translate }

export function t(key: MessageKey, params?: Record<string, string | number>): string {
  return translate(locale(), key, params)
}

export function translateValidation(problem: ValidationError): string {
  return t(problem.key, problem.params)
}
