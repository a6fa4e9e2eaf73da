/**
 * One browser's cookies against one server, for sign-in flows driven with fetch: every Set-Cookie is kept (and a
 * `Max-Age=0` one dropped), every request carries them, redirects are not followed.
 */
export interface BrowserJar {
  cookies: Map<string, string>
  call(path: string, init?: RequestInit): Promise<{ status: number; body: any; headers: Headers }>
}

export function browserJar(base: string): BrowserJar {
  const cookies = new Map<string, string>()
  return {
    cookies,
    async call(path, init = {}) {
      const response = await fetch(path.startsWith('http') ? path : base + path, {
        ...init, redirect: 'manual',
        headers: { ...(cookies.size ? { cookie: [...cookies].map(([name, value]) => `${name}=${value}`).join('; ') } : {}), ...init.headers },
      })
      for (const line of response.headers.getSetCookie()) {
        const [pair = ''] = line.split(';')
        const index = pair.indexOf('=')
        if (/max-age=0/i.test(line)) cookies.delete(pair.slice(0, index))
        else cookies.set(pair.slice(0, index), pair.slice(index + 1))
      }
      const text = await response.text()
      let body: unknown = text
      try { body = JSON.parse(text) } catch { /* not JSON */ }
      return { status: response.status, body, headers: response.headers }
    },
  }
}
