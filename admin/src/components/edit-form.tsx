/**
 * The frame of every edit page: title and back link, the form card with a restored-draft notice and the server's
 * refusal, fields with their validation messages, Save and Cancel. Validation runs before anything is sent; the
 * first problem is scrolled into view (on a long form it is often far above the button).
 */
import { createEffect, createSignal, Show, type Accessor, type JSX } from 'solid-js'
import { A } from '@solidjs/router'
import { errorMessage } from '../lib/api.ts'
import type { Loaded } from '../lib/async-data.ts'
import { t } from '../lib/i18n.ts'
import { ErrorBanner, Spinner } from './ui.tsx'

export type FieldErrors<Name extends string> = Partial<Record<Name, string>>

export interface EditFormState<Name extends string> {
  errors: Accessor<FieldErrors<Name>>
  fieldError: (name: Name) => string | undefined
  serverError: Accessor<string | null>
  setServerError: (message: string | null) => void
  saving: Accessor<boolean>
  submit: (event: SubmitEvent) => Promise<void>
}

/**
 * Fills the form once from the stored record (`fill` runs with it); a load error becomes the form's server error. A
 * later revalidation, after an action on the same page, must not overwrite what is being typed.
 */
export function fillOnce<T>(stored: () => Loaded<T | null>, editForm: Pick<EditFormState<string>, 'setServerError'>, fill: (value: T) => void): void {
  let filled = false
  createEffect(() => {
    const loaded = stored()
    if (filled || loaded.status === 'loading') return
    filled = true
    if (loaded.status === 'error') editForm.setServerError(loaded.error)
    else if (loaded.value) fill(loaded.value)
  })
}

export function createEditForm<Name extends string>(options: { validate: () => FieldErrors<Name>; save: () => Promise<unknown> }): EditFormState<Name> {
  const [errors, setErrors] = createSignal<FieldErrors<Name>>({})
  const [serverError, setServerError] = createSignal<string | null>(null)
  const [saving, setSaving] = createSignal(false)
  return {
    errors,
    fieldError: (name) => errors()[name],
    serverError,
    setServerError,
    saving,
    async submit(event) {
      event.preventDefault()
      setServerError(null)
      const found = options.validate()
      setErrors(() => found)
      if (Object.keys(found).length > 0) {
        queueMicrotask(() => document.querySelector('.field.invalid')?.scrollIntoView({ block: 'center' }))
        return
      }
      setSaving(true)
      try {
        await options.save()
      } catch (error) {
        setServerError(errorMessage(error))
      } finally {
        setSaving(false)
      }
    },
  }
}

export function EditForm<Name extends string>(props: {
  title: string
  backHref: string
  form: EditFormState<Name>
  testId: string
  loading?: boolean
  /** Two columns of fields (long forms) instead of one narrow column. */
  grid?: boolean
  draftRestored?: boolean
  onDiscardDraft?: () => void
  headerActions?: JSX.Element
  /** Notices above the fields (test results…). */
  banners?: JSX.Element
  children: JSX.Element
  /** After the form (dialogs). */
  below?: JSX.Element
}): JSX.Element {
  return (
    <section class="page" classList={{ narrow: !props.grid }}>
      <header class="page-header">
        <h1>{props.title}</h1>
        <div class="header-actions">
          {props.headerActions}
          <A href={props.backHref} class="button ghost">{t('common.back')}</A>
        </div>
      </header>
      <Show when={!props.loading} fallback={<Spinner />}>
        <form class="card form" classList={{ 'grid-form': props.grid }} onSubmit={(event) => void props.form.submit(event)} novalidate data-testid={props.testId}>
          <Show when={props.draftRestored}>
            <div class="banner banner-info wide">
              {t('form.draft_restored')}
              <Show when={props.onDiscardDraft}>
                {' '}<button type="button" class="link-button" onClick={() => props.onDiscardDraft!()}>{t('form.discard_draft')}</button>
              </Show>
            </div>
          </Show>
          {props.banners}
          <ErrorBanner message={props.form.serverError()} />
          {props.children}
          <div class="form-actions wide">
            <button type="submit" class="button primary" disabled={props.form.saving()}>
              <Show when={props.form.saving()}><Spinner /></Show>
              {t('common.save')}
            </button>
            <A href={props.backHref} class="button ghost">{t('common.cancel')}</A>
          </div>
        </form>
      </Show>
      {props.below}
    </section>
  )
}
