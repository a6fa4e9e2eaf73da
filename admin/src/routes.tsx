/**
 * Every page of the console and who may see it. Pages are loaded on first visit (the sign-in page is in the first
 * bundle); a console page is one folder under pages/ plus one line here.
 */
import { A, Navigate, useLocation, type RouteDefinition, type RouteSectionProps } from '@solidjs/router'
import { lazy, Show, type Component, type JSX } from 'solid-js'
import { t } from './lib/i18n.ts'
import { isAdmin, isRoot, user } from './lib/session.ts'
import { SignInPage } from './pages/sign-in/sign-in.tsx'

/** A page that loads on first visit; pages keep named exports, so the module is adapted to what `lazy` expects. */
function page<Name extends string, Module extends Record<Name, Component<RouteSectionProps> | Component>>(load: () => Promise<Module>, name: Name): Component<RouteSectionProps> {
  return lazy(() => load().then((module) => ({ default: module[name] as Component<RouteSectionProps> })))
}

/** Signed-out visitors go to sign-in (remembering where they were); a root with a printed password changes it first. */
function SignedIn(props: RouteSectionProps): JSX.Element {
  const location = useLocation()
  return (
    <Show when={user()} fallback={<Navigate href={() => `/sign-in?next=${encodeURIComponent(location.pathname + location.search)}`} />}>
      <Show when={!user()!.must_change_password || location.pathname === '/change-password'} fallback={<Navigate href="/change-password" />}>
        {props.children}
      </Show>
    </Show>
  )
}

function roleGuard(allowed: () => boolean): Component<RouteSectionProps> {
  return (props) => <Show when={allowed()} fallback={<Forbidden />}>{props.children}</Show>
}

function Forbidden(): JSX.Element {
  return (
    <section class="page">
      <h1>{t('app.forbidden')}</h1>
    </section>
  )
}

// Create and edit share a page; two route entries so moving from one to the other builds a fresh form.
const TokenFormPage = page(() => import('./pages/tokens/token-form.tsx'), 'TokenFormPage')
const ChannelFormPage = page(() => import('./pages/channels/channel-form.tsx'), 'ChannelFormPage')
const UserFormPage = page(() => import('./pages/users/user-form.tsx'), 'UserFormPage')

export const routes: RouteDefinition[] = [
  { path: '/sign-in', component: SignInPage },
  { path: '/oauth/:provider', component: page(() => import('./pages/oauth/oauth-callback.tsx'), 'OAuthCallbackPage') },
  { path: '/pricing', component: page(() => import('./pages/pricing/pricing.tsx'), 'PricingPage') },
  { path: '/register', component: page(() => import('./pages/sign-in/register.tsx'), 'RegisterPage') },
  { path: '/forgot-password', component: page(() => import('./pages/sign-in/forgot-password.tsx'), 'ForgotPasswordPage') },
  { path: '/reset-password', component: page(() => import('./pages/sign-in/reset-password.tsx'), 'ResetPasswordPage') },
  {
    path: '',
    component: SignedIn,
    children: [
      { path: '/', component: page(() => import('./pages/dashboard/dashboard.tsx'), 'DashboardPage') },
      { path: '/tokens', component: page(() => import('./pages/tokens/token-list.tsx'), 'TokenListPage') },
      { path: '/tokens/new', component: TokenFormPage },
      { path: '/tokens/:id', component: TokenFormPage },
      { path: '/logs', component: page(() => import('./pages/logs/log-list.tsx'), 'LogListPage') },
      { path: '/tasks', component: page(() => import('./pages/tasks/task-list.tsx'), 'TaskListPage') },
      { path: '/playground', component: page(() => import('./pages/playground/playground.tsx'), 'PlaygroundPage') },
      { path: ['/account', '/change-password'], component: page(() => import('./pages/account/account.tsx'), 'AccountPage') },
      { path: '/wallet', component: page(() => import('./pages/wallet/wallet.tsx'), 'WalletPage') },
      {
        path: '',
        component: roleGuard(isAdmin),
        children: [
          { path: '/channels', component: page(() => import('./pages/channels/channel-list.tsx'), 'ChannelListPage') },
          { path: '/channels/new', component: ChannelFormPage },
          { path: '/channels/:id', component: ChannelFormPage },
          { path: '/users', component: page(() => import('./pages/users/user-list.tsx'), 'UserListPage') },
          { path: '/users/new', component: UserFormPage },
          { path: '/users/:id', component: UserFormPage },
          { path: '/redemptions', component: page(() => import('./pages/redemptions/redemption-list.tsx'), 'RedemptionListPage') },
          { path: '/topups', component: page(() => import('./pages/topups/topup-list.tsx'), 'TopUpListPage') },
          { path: '/plans', component: page(() => import('./pages/plans/plan-list.tsx'), 'PlanListPage') },
        ],
      },
      { path: '', component: roleGuard(isRoot), children: [{ path: '/settings', component: page(() => import('./pages/settings/settings.tsx'), 'SettingsPage') }] },
      { path: '', component: roleGuard(isRoot), children: [{ path: '/sign-in-settings', component: page(() => import('./pages/settings/sign-in-settings.tsx'), 'SignInSettingsPage') }] },
      { path: '', component: roleGuard(isRoot), children: [{ path: '/payment-settings', component: page(() => import('./pages/topups/payment-settings.tsx'), 'PaymentSettingsPage') }] },
    ],
  },
  { path: '*', component: NotFound },
]

function NotFound(): JSX.Element {
  return (
    <section class="page">
      <h1>{t('app.not_found')}</h1>
      <p><A href="/">{t('nav.dashboard')}</A></p>
    </section>
  )
}
