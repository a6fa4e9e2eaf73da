/**
 * The console's frame around every route: the session is known before anything is drawn, signed-in pages sit in
 * the shell (top bar, menu), sign-in and the public price list in a light frame. Which pages exist and who may see
 * them is routes.tsx.
 */
import { A, useLocation, useNavigate, type RouteSectionProps } from '@solidjs/router'
import { createEffect, createSignal, ErrorBoundary, For, on, onMount, Show, Suspense, type JSX } from 'solid-js'
import { Icon, type IconName } from './components/icons.tsx'
import { Toasts, notify } from './components/toasts.tsx'
import { Spinner } from './components/ui.tsx'
import { onUnauthorized } from './lib/api.ts'
import { locale, setLocale, setTheme, theme } from './lib/appearance.ts'
import { t, type MessageKey } from './lib/i18n.ts'
import { forgetUser, initialiseSession, isAdmin, isRoot, ready, signOut, systemName, user } from './lib/session.ts'

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
  { href: '/wallet', label: 'nav.wallet', icon: 'pricing', visible: () => true },
  { href: '/redemptions', label: 'nav.redemptions', icon: 'key', visible: isAdmin },
  { href: '/topups', label: 'nav.topups', icon: 'logs', visible: isAdmin },
  { href: '/plans', label: 'nav.plans', icon: 'pricing', visible: isAdmin },
  { href: '/tasks', label: 'nav.tasks', icon: 'logs', visible: () => true },
  { href: '/playground', label: 'nav.playground', icon: 'playground', visible: () => true },
  { href: '/pricing', label: 'nav.pricing', icon: 'pricing', visible: () => true },
  { href: '/settings', label: 'nav.settings', icon: 'settings', visible: isRoot },
  { href: '/payment-settings', label: 'nav.payment_settings', icon: 'settings', visible: isRoot },
  { href: '/sign-in-settings', label: 'nav.sign_in_settings', icon: 'settings', visible: isRoot },
]

export function App(props: RouteSectionProps): JSX.Element {
  const location = useLocation()
  // A 401 anywhere forgets the user; the route guard then sends them to sign-in with the page to come back to.
  onUnauthorized(() => {
    if (user()) notify('info', t('app.session_expired'))
    forgetUser()
  })
  onMount(() => void initialiseSession())
  const inShell = () => user() !== null && location.pathname !== '/sign-in'
  return (
    <>
      <Show when={ready()} fallback={<div class="splash"><Spinner /></div>}>
        <Show when={inShell()} fallback={<PublicFrame><PageBoundary>{props.children}</PageBoundary></PublicFrame>}>
          <Shell><PageBoundary>{props.children}</PageBoundary></Shell>
        </Show>
      </Show>
      <Toasts />
    </>
  )
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
  const navigate = useNavigate()
  const [menuOpen, setMenuOpen] = createSignal(false)
  return (
    <div class="shell" classList={{ 'menu-open': menuOpen() }}>
      <header class="topbar">
        <button type="button" class="icon-button menu-button" aria-label={t('app.menu')} aria-expanded={menuOpen()} onClick={() => setMenuOpen(!menuOpen())}><Icon name="menu" size={20} /></button>
        <A href="/" class="brand" activeClass="" end>{systemName()}</A>
        <div class="topbar-spacer" />
        <AppearanceControls />
        <Show when={user()}>
          <A href="/account" class="user-link" title={t('nav.account')}>{user()!.display_name || user()!.username}</A>
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
            <A href={item.href} class="nav-link" end={item.href === '/'} onClick={() => setMenuOpen(false)}>
              <span class="nav-icon"><Icon name={item.icon} /></span>
              <span>{t(item.label)}</span>
            </A>
          )}
        </For>
      </nav>
      <div class="menu-scrim" onClick={() => setMenuOpen(false)} />
      <main class="content">{props.children}</main>
    </div>
  )
}

function PublicFrame(props: { children: JSX.Element }): JSX.Element {
  const location = useLocation()
  return (
    <div class="public-frame">
      <header class="topbar">
        <A href="/" class="brand" activeClass="" end>{systemName()}</A>
        <div class="topbar-spacer" />
        <Show when={location.pathname !== '/pricing'}>
          <A href="/pricing" class="button ghost small">{t('nav.pricing')}</A>
        </Show>
        <AppearanceControls />
        <Show when={!user() && location.pathname !== '/sign-in'}>
          <A href="/sign-in" class="button small">{t('sign_in.submit')}</A>
        </Show>
      </header>
      <main class="public-content">{props.children}</main>
    </div>
  )
}

/**
 * A page that breaks shows what broke and a way out, instead of a blank console; moving to another page clears
 * the error. Lazily loaded pages show a spinner while their code arrives.
 */
function PageBoundary(props: { children: JSX.Element }): JSX.Element {
  return (
    <ErrorBoundary fallback={(error: unknown, reset) => <PageError error={error} reset={reset} />}>
      <Suspense fallback={<div class="page-loading"><Spinner /></div>}>{props.children}</Suspense>
    </ErrorBoundary>
  )
}

function PageError(props: { error: unknown; reset: () => void }): JSX.Element {
  const location = useLocation()
  createEffect(on(() => location.pathname, () => props.reset(), { defer: true }))
  return (
    <section class="page">
      <div class="banner banner-error" role="alert">{props.error instanceof Error ? props.error.message : String(props.error)}</div>
      <p><button type="button" class="button" onClick={() => props.reset()}>{t('common.retry')}</button></p>
    </section>
  )
}
