/**
 * A small history router: the console has a dozen flat routes, which does not justify a
 * dependency. Location is a signal; pages read `params()` / `query()` reactively.
 */
import { createSignal, type JSX } from 'solid-js'

const [pathname, setPathname] = createSignal(location.pathname)
const [search, setSearch] = createSignal(location.search)

addEventListener('popstate', () => {
  setPathname(location.pathname)
  setSearch(location.search)
})

export { pathname, search }

export function navigate(to: string, options: { replace?: boolean } = {}): void {
  const url = new URL(to, location.origin)
  if (url.pathname + url.search === location.pathname + location.search) return
  if (options.replace) history.replaceState(null, '', url.pathname + url.search)
  else history.pushState(null, '', url.pathname + url.search)
  setPathname(url.pathname)
  setSearch(url.search)
  if (!options.replace) scrollTo(0, 0)
}

export function query(): URLSearchParams {
  return new URLSearchParams(search())
}

/** `/channels/:id` against `/channels/12` → `{id: "12"}`; null when it does not match. */
export function matchPath(pattern: string, path: string): Record<string, string> | null {
  const patternParts = pattern.split('/').filter(Boolean)
  const pathParts = path.split('/').filter(Boolean)
  if (patternParts.length !== pathParts.length) return null
  const params: Record<string, string> = {}
  for (let index = 0; index < patternParts.length; index++) {
    const expected = patternParts[index]!
    const actual = pathParts[index]!
    if (expected.startsWith(':')) params[expected.slice(1)] = decodeURIComponent(actual)
    else if (expected !== actual) return null
  }
  return params
}

export function Link(props: { href: string; class?: string; children: JSX.Element; onClick?: () => void; title?: string }): JSX.Element {
  return (
    <a
      href={props.href}
      class={props.class}
      title={props.title}
      classList={{ active: pathname() === props.href || (props.href !== '/' && pathname().startsWith(props.href + '/')) }}
      onClick={(event) => {
        if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return
        event.preventDefault()
        props.onClick?.()
        navigate(props.href)
      }}
    >
      {props.children}
    </a>
  )
}
