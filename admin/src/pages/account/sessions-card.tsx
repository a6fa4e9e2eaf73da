import { createResource, For, Show, type JSX } from 'solid-js'
import { notify } from '../../components/toasts.tsx'
import { ActionButton, Badge, ErrorBanner } from '../../components/ui.tsx'
import { errorMessage } from '../../lib/api.ts'
import { formatTimestamp } from '../../lib/format.ts'
import { t } from '../../lib/i18n.ts'
import { endOtherSessions, endSession, listSessions } from '../sign-in/account-data.ts'

/** The account page's list of signed-in sessions: device, address, last seen; end one or all the others. */
export function SessionsCard(): JSX.Element {
  const [sessions, { refetch }] = createResource(listSessions)
  const run = async (work: () => Promise<string>) => {
    try {
      notify('success', await work())
    } catch (problem) {
      notify('error', errorMessage(problem))
    }
    await refetch()
  }
  // `latest` keeps the list on screen while it reloads (reading the resource itself would suspend the page).
  const listed = () => sessions.latest ?? []
  const others = () => listed().filter((session) => !session.current).length

  return (
    <section class="card" data-testid="sessions">
      <h2>{t('sessions.title')}</h2>
      <ErrorBanner message={sessions.error ? errorMessage(sessions.error) : null} />
      <div class="table-wrap">
        <table class="table compact">
          <thead>
            <tr><th>{t('sessions.device')}</th><th>{t('sessions.address')}</th><th>{t('sessions.method')}</th><th>{t('sessions.last_seen')}</th><th class="actions" /></tr>
          </thead>
          <tbody>
            <For each={listed()}>
              {(session) => (
                <tr data-testid="session-row" data-current={session.current ? 'true' : 'false'}>
                  <td title={session.user_agent}>{session.device}</td>
                  <td>{session.ip || '—'}</td>
                  <td>{session.login_method}</td>
                  <td>{formatTimestamp(session.last_active_at)}</td>
                  <td class="actions">
                    <Show when={!session.current} fallback={<Badge tone="green">{t('sessions.this')}</Badge>}>
                      <ActionButton class="button small" action={() => run(async () => { await endSession(session.sid); return t('sessions.ended') })}>{t('sessions.end')}</ActionButton>
                    </Show>
                  </td>
                </tr>
              )}
            </For>
          </tbody>
        </table>
      </div>
      <Show when={others() > 0}>
        <div class="form-actions">
          <ActionButton class="button" data-testid="end-other-sessions" action={() => run(async () => t('sessions.ended_others', { count: (await endOtherSessions()).ended }))}>
            {t('sessions.end_others')}
          </ActionButton>
        </div>
      </Show>
    </section>
  )
}
