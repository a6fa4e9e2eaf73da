import { useAction } from '@solidjs/router'
import { createSignal, Show, type JSX } from 'solid-js'
import { notify, notifyOutcome } from '../../components/toasts.tsx'
import { ActionButton, Field, Modal } from '../../components/ui.tsx'
import { errorMessage } from '../../lib/api.ts'
import { t } from '../../lib/i18n.ts'
import { editTag, setTagStatus } from './channel-data.ts'

/** What the tag editor sends: only the fields the operator filled in. */
export function tagChanges(form: Record<'priority' | 'weight' | 'models' | 'groups' | 'model_mapping' | 'new_tag', string>): Record<string, unknown> | string {
  const changes: Record<string, unknown> = {}
  for (const field of ['priority', 'weight'] as const) {
    const text = form[field].trim()
    if (!text) continue
    if (!/^-?\d+$/.test(text) || (field === 'weight' && Number(text) < 0)) return `${t(field === 'priority' ? 'channels.priority_field' : 'channels.weight')}: ${t('error.integer')}`
    changes[field] = Number(text)
  }
  for (const field of ['models', 'groups', 'model_mapping', 'new_tag'] as const) if (form[field].trim()) changes[field] = form[field].trim()
  return changes
}

/**
 * Shown while the channel list is filtered by a tag: enable, disable or edit every channel with that tag at once
 * (new-api's tag operations).
 */
export function TagActions(props: { tag: string }): JSX.Element {
  const setStatus = useAction(setTagStatus)
  const edit = useAction(editTag)
  const [editing, setEditing] = createSignal(false)
  const [problem, setProblem] = createSignal<string | null>(null)
  const form = { priority: '', weight: '', models: '', groups: '', model_mapping: '', new_tag: '' }
  const changed = (count: number) => notify('success', t('channels.tag_changed', { count }))

  const save = async () => {
    const changes = tagChanges(form)
    if (typeof changes === 'string') return setProblem(changes)
    try {
      changed(await edit({ tag: props.tag, changes }))
      setEditing(false)
    } catch (error) {
      setProblem(errorMessage(error))
    }
  }

  return (
    <div class="tag-actions" data-testid="tag-actions">
      <span>{t('channels.tag_actions', { tag: props.tag })}</span>
      <ActionButton class="button small" action={() => notifyOutcome(async () => changed(await setStatus({ tag: props.tag, enabled: true })))}>{t('channels.tag_enable')}</ActionButton>
      <ActionButton class="button small" action={() => notifyOutcome(async () => changed(await setStatus({ tag: props.tag, enabled: false })))}>{t('channels.tag_disable')}</ActionButton>
      <button type="button" class="button small" onClick={() => { setProblem(null); setEditing(true) }}>{t('channels.tag_edit')}</button>
      <Show when={editing()}>
        <Modal title={t('channels.tag_edit_title', { tag: props.tag })} onClose={() => setEditing(false)} footer={<>
          <button type="button" class="button" onClick={() => setEditing(false)}>{t('common.cancel')}</button>
          <ActionButton class="button primary" action={save}>{t('common.save')}</ActionButton>
        </>}>
          <p class="muted small">{t('channels.tag_edit_hint')}</p>
          <Show when={problem()}><div class="banner banner-error" role="alert">{problem()}</div></Show>
          <div class="grid-form">
            <Field label={t('channels.priority_field')} for="tag-priority"><input id="tag-priority" inputmode="numeric" onInput={(event) => { form.priority = event.currentTarget.value }} /></Field>
            <Field label={t('channels.weight')} for="tag-weight"><input id="tag-weight" inputmode="numeric" onInput={(event) => { form.weight = event.currentTarget.value }} /></Field>
            <Field label={t('channels.models')} for="tag-models" wide><input id="tag-models" onInput={(event) => { form.models = event.currentTarget.value }} /></Field>
            <Field label={t('channels.group')} for="tag-groups"><input id="tag-groups" onInput={(event) => { form.groups = event.currentTarget.value }} /></Field>
            <Field label={t('channels.new_tag')} for="tag-new-tag"><input id="tag-new-tag" onInput={(event) => { form.new_tag = event.currentTarget.value }} /></Field>
            <Field label={t('channels.model_mapping')} for="tag-model-mapping" wide><textarea id="tag-model-mapping" rows={3} onInput={(event) => { form.model_mapping = event.currentTarget.value }} /></Field>
          </div>
        </Modal>
      </Show>
    </div>
  )
}
