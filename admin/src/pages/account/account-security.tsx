import { Show, type JSX } from 'solid-js'
import { status } from '../../lib/session.ts'
import { PasskeysCard } from './passkeys-card.tsx'
import { TwoFactorCard } from './two-factor-card.tsx'

/** The account page's sign-in security: 2FA always, passkeys when the administrator turned them on. */
export function AccountSecurity(): JSX.Element {
  return (
    <>
      <TwoFactorCard />
      <Show when={status()?.passkey_login === true}><PasskeysCard /></Show>
    </>
  )
}
