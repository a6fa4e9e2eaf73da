import { For, type JSX } from 'solid-js'
import { t } from '../lib/i18n.ts'
import { rateLimitFields, type RateLimitField, type RateLimitTexts } from '../lib/rate-limits.ts'
import { Field } from './ui.tsx'

const labels = { rpm_limit: 'limits.rpm', tpm_limit: 'limits.tpm', concurrency_limit: 'limits.concurrency' } as const

/** The three rate-limit boxes of the API key and user forms. `prefix` makes the input ids unique on the page. */
export function RateLimitFields(props: { prefix: string; values: RateLimitTexts; errors: Partial<Record<RateLimitField, string>>; onChange: (field: RateLimitField, value: string) => void }): JSX.Element {
  return (
    <fieldset class="wide rate-limits">
      <legend>{t('limits.title')}</legend>
      <div class="field-hint">{t('limits.hint')}</div>
      <div class="rate-limit-row">
        <For each={rateLimitFields}>
          {(field) => (
            <Field label={t(labels[field])} for={`${props.prefix}-${field}`} error={props.errors[field]}>
              <input id={`${props.prefix}-${field}`} inputmode="numeric" placeholder={t('limits.unlimited')} value={props.values[field]} onInput={(event) => props.onChange(field, event.currentTarget.value)} />
            </Field>
          )}
        </For>
      </div>
    </fieldset>
  )
}
