import { Show, type JSX } from 'solid-js'
import { t, translateValidation } from '../lib/i18n.ts'
import { prettyJson, type ValidationError } from '../lib/validate.ts'

/**
 * A textarea for a JSON field with its check shown as the operator types; the form runs the same
 * check before sending, so an invalid mapping never reaches the server.
 */
export function JsonEditor(props: {
  id: string
  label: string
  value: string
  onInput: (value: string) => void
  validate: (text: string) => ValidationError | null
  placeholder?: string
  hint?: JSX.Element
  rows?: number
}): JSX.Element {
  const error = () => {
    const problem = props.validate(props.value)
    return problem ? translateValidation(problem) : null
  }
  return (
    <div class="field wide" classList={{ invalid: !!error() }}>
      <div class="field-label-row">
        <label for={props.id}>{props.label}</label>
        <button type="button" class="link-button" disabled={!!error() || props.value.trim() === ''} onClick={() => props.onInput(prettyJson(props.value))}>
          {t('json.format')}
        </button>
      </div>
      <textarea
        id={props.id}
        class="code"
        rows={props.rows ?? 4}
        spellcheck={false}
        value={props.value}
        placeholder={props.placeholder}
        onInput={(event) => props.onInput(event.currentTarget.value)}
      />
      <Show when={error()} fallback={<Show when={props.hint}><div class="field-hint">{props.hint}</div></Show>}>
        <div class="field-error" role="alert">{error()}</div>
      </Show>
    </div>
  )
}
