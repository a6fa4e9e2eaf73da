/** Theme and language: chosen once, remembered in localStorage, applied to <html>. */
import { createSignal } from 'solid-js'
import { readStored, writeStored } from './storage.ts'

export type Theme = 'light' | 'dark'
export type Locale = 'en' | 'zh'

function initialTheme(): Theme {
  const stored = readStored(localStorage, 'tollgate.theme')
  if (stored === 'light' || stored === 'dark') return stored
  return matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light'
}

function initialLocale(): Locale {
  const stored = readStored(localStorage, 'tollgate.locale')
  if (stored === 'en' || stored === 'zh') return stored
  return navigator.language.toLowerCase().startsWith('zh') ? 'zh' : 'en'
}

const [theme, setThemeSignal] = createSignal<Theme>(initialTheme())
const [locale, setLocaleSignal] = createSignal<Locale>(initialLocale())

document.documentElement.dataset.theme = theme()
document.documentElement.lang = locale() === 'zh' ? 'zh-CN' : 'en'

export { theme, locale }

export function setTheme(next: Theme): void {
  setThemeSignal(next)
  document.documentElement.dataset.theme = next
  writeStored(localStorage, 'tollgate.theme', next)
}

export function setLocale(next: Locale): void {
  setLocaleSignal(next)
  document.documentElement.lang = next === 'zh' ? 'zh-CN' : 'en'
  writeStored(localStorage, 'tollgate.locale', next)
}
