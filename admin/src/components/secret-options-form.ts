/**
 * The state of a settings form whose secrets are write-only (payments, sign-in providers): loads the options,
 * never shows a secret, sends only what changed (a secret only when something was typed; empty keeps the stored
 * one), and blanks the secrets again after a save.
 */
import { createEffect, createSignal } from 'solid-js'
import { errorMessage } from '../lib/api.ts'
import { createLoaded, errorOf, valueOf } from '../lib/async-data.ts'
import { t } from '../lib/i18n.ts'
import { notify } from './toasts.tsx'

export interface OptionFormField { key: string; secret?: boolean }

export function changedOptions(fields: readonly OptionFormField[], values: Record<string, string>, stored: Record<string, string>): [string, string][] {
  return fields.filter((field) => (field.secret ? (values[field.key] ?? '') !== '' : (values[field.key] ?? '') !== (stored[field.key] ?? '')))
    .map((field): [string, string] => [field.key, values[field.key] ?? ''])
}

export function createSecretOptionsForm(fields: readonly OptionFormField[], load: () => Promise<Record<string, string>>, save: (changes: [string, string][]) => Promise<unknown>) {
  const options = createLoaded(load)
  const [values, setValues] = createSignal<Record<string, string>>({})
  const [failure, setFailure] = createSignal<string | null>(null)
  const shown = (stored: Record<string, string>) => Object.fromEntries(fields.map((field) => [field.key, field.secret ? '' : stored[field.key] ?? '']))
  createEffect(() => {
    const loaded = valueOf(options())
    if (loaded) setValues(shown(loaded))
  })
  return {
    /** The options as stored (secrets absent: the server never returns them). */
    stored: () => valueOf(options()),
    values,
    set: (key: string, value: string) => setValues((current) => ({ ...current, [key]: value })),
    error: () => errorOf(options()) ?? failure(),
    async submit() {
      setFailure(null)
      try {
        await save(changedOptions(fields, values(), valueOf(options()) ?? {}))
        notify('success', t('common.saved'))
        setValues((current) => ({ ...current, ...Object.fromEntries(fields.filter((field) => field.secret).map((field) => [field.key, ''])) }))
      } catch (problem) {
        setFailure(errorMessage(problem))
      }
    },
  }
}
