import { useAction } from '@solidjs/router'
import { createSignal, For, Match, Show, Switch, type JSX } from 'solid-js'
import { notify } from '../../components/toasts.tsx'
import { ActionButton, Badge, ErrorBanner, Field, Spinner } from '../../components/ui.tsx'
import { errorMessage } from '../../lib/api.ts'
import { createLoaded, errorOf, valueOf } from '../../lib/async-data.ts'
import { t } from '../../lib/i18n.ts'
import type { TwoFactorSetup } from '../../lib/second-factor.ts'
import { twoFactorSetupRequired } from '../../lib/session.ts'
import { beginTwoFactorSetup, disableTwoFactor, enableTwoFactor, getTwoFactorStatus, regenerateBackupCodes } from './security-data.ts'

/** Backup codes are shown once, right after they are made; the server keeps only their hashes. */
function BackupCodes(props: { codes: string[] }): JSX.Element {
  return (
    <div class="backup-codes">
      <p class="muted">{t('two_factor.backup_codes_once')}</p>
      <ol data-testid="backup-codes"><For each={props.codes}>{(code) => <li><code>{code}</code></li>}</For></ol>
    </div>
  )
}

/** TOTP two-factor authentication: setup with a QR code and a first code, then turn off or renew backup codes. */
export function TwoFactorCard(): JSX.Element {
  const status = createLoaded(() => getTwoFactorStatus())
  const [setup, setSetup] = createSignal<TwoFactorSetup | null>(null)
  const [freshCodes, setFreshCodes] = createSignal<string[] | null>(null)
  const [code, setCode] = createSignal('')
  const [error, setError] = createSignal<string | null>(null)
  const begin = useAction(beginTwoFactorSetup)
  const enable = useAction(enableTwoFactor)
  const disable = useAction(disableTwoFactor)
  const regenerate = useAction(regenerateBackupCodes)

  /** Run a call that needs the typed code; on failure the message shows and nothing else changes. */
  const withCode = async (work: (code: string) => Promise<unknown>, done: string) => {
    setError(null)
    if (!code().trim()) return setError(t('two_factor.code_missing'))
    try {
      await work(code())
      setCode('')
      notify('success', done)
    } catch (problem) {
      setError(errorMessage(problem))
    }
  }

  const codeField = () => (
    <Field label={t('two_factor.code')} for="account-two-factor-code">
      <input id="account-two-factor-code" autocomplete="one-time-code" value={code()} onInput={(event) => setCode(event.currentTarget.value)} />
    </Field>
  )

  return (
    <section class="card form" data-testid="two-factor-card">
      <h2>{t('two_factor.title')} <Show when={valueOf(status())?.enabled}><Badge tone="green">{t('two_factor.on')}</Badge></Show></h2>
      <Show when={twoFactorSetupRequired()}><div class="banner banner-info">{t('two_factor.required_for_admins')}</div></Show>
      <ErrorBanner message={error() ?? errorOf(status())} />
      <Switch fallback={<Spinner />}>
        <Match when={valueOf(status())?.enabled}>
          <p class="muted">{t('two_factor.enabled_hint', { count: valueOf(status())!.backup_codes_remaining ?? 0 })}</p>
          <Show when={freshCodes()}>{(codes) => <BackupCodes codes={codes()} />}</Show>
          {codeField()}
          <div class="form-actions">
            <ActionButton class="button" action={() => withCode(async (typed) => setFreshCodes((await regenerate(typed)).backup_codes), t('two_factor.backup_codes_renewed'))}>{t('two_factor.renew_backup_codes')}</ActionButton>
            <ActionButton class="button danger" action={() => withCode(async (typed) => { await disable(typed); setFreshCodes(null) }, t('two_factor.turned_off'))}>{t('two_factor.turn_off')}</ActionButton>
          </div>
        </Match>
        <Match when={setup()}>
          {(pending) => (
            <>
              <p>{t('two_factor.scan')}</p>
              {/* The SVG is drawn by our server from the otpauth URI (uqr); it holds no markup from users. */}
              <div class="qr-code" innerHTML={pending().qr_code_svg} data-testid="two-factor-qr" />
              <p class="muted">{t('two_factor.secret_hint')} <code data-testid="two-factor-secret">{pending().secret}</code></p>
              <BackupCodes codes={pending().backup_codes} />
              {codeField()}
              <div class="form-actions">
                <ActionButton class="button primary" action={() => withCode(async (typed) => { await enable(typed); setSetup(null) }, t('two_factor.turned_on'))}>{t('two_factor.turn_on')}</ActionButton>
              </div>
            </>
          )}
        </Match>
        <Match when={status().status === 'ready'}>
          <p class="muted">{t('two_factor.off_hint')}</p>
          <div class="form-actions">
            <ActionButton class="button primary" action={async () => {
              setError(null)
              try { setSetup(await begin()) } catch (problem) { setError(errorMessage(problem)) }
            }}>{t('two_factor.set_up')}</ActionButton>
          </div>
        </Match>
      </Switch>
    </section>
  )
}
