import { createSignal, onCleanup, type JSX } from 'solid-js'
import { notify } from '../../components/toasts.tsx'
import { ActionButton } from '../../components/ui.tsx'
import { errorMessage } from '../../lib/api.ts'
import { t } from '../../lib/i18n.ts'
import { sendVerificationCode } from './account-data.ts'

/** "Send code" beside an e-mail field (registration, binding): mails a code, then waits out the server's minute. */
export function SendCodeButton(props: { email: () => string; turnstile: () => string; onStart?: () => void; onSent?: () => void; onError: (message: string) => void }): JSX.Element {
  const [wait, setWait] = createSignal(0)
  const timer = setInterval(() => setWait((seconds) => Math.max(0, seconds - 1)), 1000)
  onCleanup(() => clearInterval(timer))
  const send = async () => {
    const email = props.email().trim()
    props.onStart?.()
    try {
      await sendVerificationCode(email, props.turnstile())
      setWait(60)
      notify('success', t('sign_up.code_sent', { email }))
    } catch (problem) {
      props.onError(errorMessage(problem))
    } finally {
      props.onSent?.()
    }
  }
  return (
    <ActionButton type="button" class="button" data-testid="send-code" disabled={wait() > 0 || !props.email().trim()} action={send}>
      {wait() > 0 ? t('sign_up.resend_in', { seconds: wait() }) : t('sign_up.send_code')}
    </ActionButton>
  )
}
