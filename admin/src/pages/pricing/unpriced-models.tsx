import { A, query } from '@solidjs/router'
import { Show, type JSX } from 'solid-js'
import { api } from '../../lib/api.ts'
import { createLoaded, valueOf } from '../../lib/async-data.ts'
import { t } from '../../lib/i18n.ts'

const getUnpriced = query(() => api.get<string[]>('/api/channel/models_unpriced'), 'models-unpriced')

/** For administrators: models channels serve that have no price, whose requests are refused until one is set. */
export function UnpricedModels(): JSX.Element {
  const unpriced = createLoaded(() => getUnpriced())
  const models = () => valueOf(unpriced()) ?? []
  return (
    <Show when={models().length > 0}>
      <div class="banner banner-error" data-testid="unpriced-models">
        {t('pricing.unpriced', { count: models().length })} <strong>{models().slice(0, 20).join(', ')}{models().length > 20 ? ' …' : ''}</strong>{' '}
        <A href="/settings">{t('pricing.unpriced_fix')}</A>
      </div>
    </Show>
  )
}
