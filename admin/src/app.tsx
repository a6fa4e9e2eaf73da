import { createEffect, createSignal, ErrorBoundary, For, lazy, Match, onMount, Show, Suspense, Switch, type Component, type JSX } from 'solid-js'
import { Icon, type IconName } from './components/icons.tsx'
import { Toasts, notify } from './components/toasts.tsx'
import { Spinner } from './components/ui.tsx'
import { onUnauthorized } from './lib/api.ts'
import { locale, setLocale, setTheme, theme } from './lib/appearance.ts'
import { t, type MessageKey } from './lib/i18n.ts'
import { Link, matchPath, navigate, pathname, search } from './lib/router.tsx'
import { forgetUser, initialiseSession, isAdmin, isRoot, ready, signOut, systemName, user } from './lib/session.ts'
import { SignInPage } from './pages/sign-in.tsx'

// The sign-in page is in the first bundle; everything behind it loads on demand.
const DashboardPage = lazy(() => import('./pages/dashboard.tsx').then((module) => ({ default: module.DashboardPage })))
const ChannelsPage = lazy(() => import('./pages/channels.tsx').then((module) => ({ default: module.ChannelsPage })))
const ChannelFormPage = lazy(() => import('./pages/channel-form.tsx').then((module) => ({ default: module.ChannelFormPage })))
const TokensPage = lazy(() => import('./pages/tokens.tsx').then((module) => ({ default: module.TokensPage })))
const TokenFormPage = lazy(() => import('./pages/token-form.tsx').then((module) => ({ default: module.TokenFormPage })))
const UsersPage = lazy(() => import('./pages/users.tsx').then((module) => ({ default: module.UsersPage })))
const UserFormPage = lazy(() => import('./pages/user-form.tsx').then((module) => ({ default: module.UserFormPage })))
const LogsPage = lazy(() => import('./pages/logs.tsx').then((module) => ({ default: module.LogsPage })))
const SettingsPage = lazy(() => import('./pages/settings.tsx').then((module) => ({ default: module.SettingsPage })))
const PricingPage = lazy(() => import('./pages/pricing.tsx').then((module) => ({ default: module.PricingPage })))
const PlaygroundPage = lazy(() => import('./pages/playground.tsx').then((module) => ({ default: module.PlaygroundPage })))
const AccountPage = lazy(() => import('./pages/account.tsx').then((module) => ({ default: module.AccountPage })))

type Access = 'public' | 'user' | 'admin' | 'root'

interface Route {
  pattern: string
  access: Access
  component: Component<{ params: Record<string, string> }>
}

const routes: Route[] = [
  { pattern: '/sign-in', access: 'public', component: SignInPage },
  { pattern: '/pricing', access: 'public', component: PricingPage },
  { pattern: '/', access: 'user', component: DashboardPage },
  { pattern: '/channels', access: 'admin', component: ChannelsPage },
  { pattern: '/channels/new', access: 'admin', component: ChannelFormPage },
  { pattern: '/channels/:id', access: 'admin', component: ChannelFormPage },
  { pattern: '/tokens', access: 'user', component: TokensPage },
  { pattern: '/tokens/new', access: 'user', component: TokenFormPage },
  { pattern: '/tokens/:id', access: 'user', component: TokenFormPage },
  { pattern: '/users', access: 'admin', component: UsersPage },
  { pattern: '/users/new', access: 'admin', component: UserFormPage },
  { pattern: '/users/:id', access: 'admin', component: UserFormPage },
  { pattern: '/logs', access: 'user', component: LogsPage },
  { pattern: '/playground', access: 'user', component: PlaygroundPage },
  { pattern: '/settings', access: 'root', component: SettingsPage },
  { pattern: '/account', access: 'user', component: AccountPage },
  { pattern: '/change-password', access: 'user', component: AccountPage },
]

function findRoute(path: string): { route: Route; params: Record<string, string> } | null {
  for (const route of routes) {
    const params = matchPath(route.pattern, path)
    if (params) return { route, params }
  }
  return null
}

interface NavItem {
  href: string
  label: MessageKey
  icon: IconName
  visible: () => boolean
}

const navItems: NavItem[] = [
  { href: '/', label: 'nav.dashboard', icon: 'dashboard', visible: () => true },
  { href: '/channels', label: 'nav.channels', icon: 'channels', visible: isAdmin },
  { href: '/tokens', label: 'nav.tokens', icon: 'key', visible: () => true },
  { href: '/users', label: 'nav.users', icon: 'users', visible: isAdmin },
  { href: '/logs', label: 'nav.logs', icon: 'logs', visible: () => true },
  { href: '/playground', label: 'nav.playground', icon: 'playground', visible: () => true },
  { href: '/pricing', label: 'nav.pricing', icon: 'pricing', visible: () => true },
  { href: '/settings', label: 'nav.settings', icon: 'settings', visible: isRoot },
]

function currentLocation(): string {
  return pathname() + search()
}

function AppearanceControls(): JSX.Element {
  return (
    <div class="appearance">
      <button
        type="button"
        class="button ghost small"
        data-testid="language-toggle"
        title={t('app.switch_language')}
        onClick={() => setLocale(locale() === 'en' ? 'zh' : 'en')}
      >
        {locale() === 'en' ? '中文' : 'EN'}
      </button>
      <button
        type="button"
        class="button ghost small"
        data-testid="theme-toggle"
        title={theme() === 'dark' ? t('app.theme_light') : t('app.theme_dark')}
        aria-label={theme() === 'dark' ? t('app.theme_light') : t('app.theme_dark')}
        onClick={() => setTheme(theme() === 'dark' ? 'light' : 'dark')}
      >
        <Icon name={theme() === 'dark' ? 'sun' : 'moon'} />
      </button>
    </div>
  )
}

function Shell(props: { children: JSX.Element }): JSX.Element {
  const [menuOpen, setMenuOpen] = createSignal(false)
  return (
    <div class="shell" classList={{ 'menu-open': menuOpen() }}>
      <header class="topbar">
        <button type="button" class="icon-button menu-button" aria-label={t('app.menu')} aria-expanded={menuOpen()} onClick={() => setMenuOpen(!menuOpen())}><Icon name="menu" size={20} /></button>
        <Link href="/" class="brand">{systemName()}</Link>
        <div class="topbar-spacer" />
        <AppearanceControls />
        <Show when={user()}>
          <Link href="/account" class="user-link" title={t('nav.account')}>{user()!.display_name || user()!.username}</Link>
          <button
            type="button"
            class="button ghost small"
            data-testid="sign-out"
            onClick={async () => {
              await signOut().catch(() => undefined)
              navigate('/sign-in')
            }}
          >
            {t('app.sign_out')}
          </button>
        </Show>
      </header>
      <nav class="sidebar" aria-label={t('app.menu')}>
        <For each={navItems.filter((item) => item.visible())}>
          {(item) => (
            <Link href={item.href} class="nav-link" onClick={() => setMenuOpen(false)}>
              <span class="nav-icon"><Icon name={item.icon} /></span>
              <span>{t(item.label)}</span>
            </Link>
          )}
        </For>
      </nav>
      <div class="menu-scrim" onClick={() => setMenuOpen(false)} />
      <main class="content">{props.children}</main>
    </div>
  )
}

function PublicFrame(props: { children: JSX.Element }): JSX.Element {
  return (
    <div class="public-frame">
      <header class="topbar">
        <Link href="/" class="brand">{systemName()}</Link>
        <div class="topbar-spacer" />
        <Show when={pathname() !== '/pricing'}>
          <Link href="/pricing" class="button ghost small">{t('nav.pricing')}</Link>
        </Show>
        <AppearanceControls />
        <Show when={!user() && pathname() !== '/sign-in'}>
          <Link href="/sign-in" class="button small">{t('sign_in.submit')}</Link>
        </Show>
      </header>
      <main class="public-content">{props.children}</main>
    </div>
  )
}

function allowed(access: Access): boolean {
  if (access === 'public') return true
  if (!user()) return false
  if (access === 'admin') return isAdmin()
  if (access === 'root') return isRoot()
  return true
}

export function App(): JSX.Element {
  onUnauthorized(() => {
    const hadUser = user() !== null
    forgetUser()
    const match = findRoute(pathname())
    if (match?.route.access === 'public') return
    if (hadUser) notify('info', t('app.session_expired'))
    navigate(`/sign-in?next=${encodeURIComponent(currentLocation())}`, { replace: true })
  })
  onMount(() => void initialiseSession())

  const match = () => findRoute(pathname())

  // Guards: signed-out users go to sign-in (remembering where they were), a root with a printed
  // password goes to the password change first.
  createEffect(() => {
    if (!ready()) return
    const current = match()
    if (!current) return
    if (current.route.access !== 'public' && !user()) {
      navigate(`/sign-in?next=${encodeURIComponent(currentLocation())}`, { replace: true })
      return
    }
    if (user()?.must_change_password && pathname() !== '/change-password' && current.route.access !== 'public') {
      navigate('/change-password', { replace: true })
    }
  })

  return (
    <>
      <Show when={ready()} fallback={<div class="splash"><Spinner /></div>}>
        <Switch fallback={<Shell><NotFound /></Shell>}>
          <Match when={match()?.route.access === 'public' && (pathname() === '/sign-in' || !user())}>
            <PublicFrame>
              <Suspense fallback={<div class="page-loading"><Spinner /></div>}>
                <Show when={match()} keyed>
                  {(current) => {
                    const Page = current.route.component
                    return <Page params={current.params} />
                  }}
                </Show>
              </Suspense>
            </PublicFrame>
          </Match>
          <Match when={match() && allowed(match()!.route.access)}>
            <Shell>
              <Suspense fallback={<div class="page-loading"><Spinner /></div>}>
                <Show when={match()} keyed>
                  {(current) => {
                    const Page = current.route.component
                    return <PageBoundary><Page params={current.params} /></PageBoundary>
                  }}
                </Show>
              </Suspense>
            </Shell>
          </Match>
          <Match when={match() && user() && !allowed(match()!.route.access)}>
            <Shell><Forbidden /></Shell>
          </Match>
          <Match when={match() && !user()}>
            <div class="splash"><Spinner /></div>
          </Match>
        </Switch>
      </Show>
      <Toasts />
    </>
  )
}

function NotFound(): JSX.Element {
  return (
    <section class="page">
      <h1>{t('app.not_found')}</h1>
      <p><Link href="/">{t('nav.dashboard')}</Link></p>
    </section>
  )
}

function Forbidden(): JSX.Element {
  return (
    <section class="page">
      <h1>{t('app.forbidden')}</h1>
    </section>
  )
}

/** A page that breaks shows what broke and a way out, instead of a blank console. */
function PageBoundary(props: { children: JSX.Element }): JSX.Element {
  return (
    <ErrorBoundary
      fallback={(error: unknown, reset) => (
        <section class="page">
          <div class="banner banner-error" role="alert">{error instanceof Error ? error.message : String(error)}</div>
          <p><button type="button" class="button" onClick={reset}>{t('common.retry')}</button></p>
        </section>
      )}
    >
      {props.children}
    </ErrorBoundary>
  )
}
