import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { startTestMailServer, type TestMailServer } from '../testing/mail-server.ts'
import { anonymous, startTestServer, type ApiClient, type TestServer } from '../testing/server.ts'

/**
 * Registration with an e-mail code, binding an address and password reset by a mailed link, end to end: the
 * gateway sends through nodemailer to a real SMTP server on a local port, and the test reads what arrived.
 */
describe('e-mail verification, binding and password reset', () => {
  let server: TestServer
  let mail: TestMailServer
  let root: ApiClient
  let guest: ApiClient
  // Each test comes from its own client address, so the per-address throttle of one does not reach another.
  let addressCounter = 10
  const from = () => ({ 'x-forwarded-for': `203.0.113.${addressCounter++}` })

  beforeAll(async () => {
    mail = await startTestMailServer({ user: 'gateway@example.com', password: 'smtp-password' })
    server = await startTestServer({ TRUSTED_PROXIES: '127.0.0.1' })
    root = await server.signIn()
    guest = anonymous(server)
    for (const [key, value] of Object.entries({
      SMTPServer: '127.0.0.1', SMTPPort: String(mail.port), SMTPAccount: 'gateway@example.com', SMTPToken: 'smtp-password',
      SMTPFrom: 'Tollgate <noreply@example.com>', EmailVerificationEnabled: 'true', ServerAddress: 'https://console.example.com',
    })) expect((await root.call('PUT', '/api/option/', { key, value })).body).toEqual({ success: true, message: '' })
  })
  afterAll(async () => {
    await server?.dispose()
    await mail?.close()
  })

  const codeIn = (text: string) => /\b(\d{6})\b/.exec(text)![1]!
  const askCode = (email: string, headers = from()) => guest.call('GET', `/api/verification?email=${encodeURIComponent(email)}`, undefined, headers)
  const register = (body: Record<string, unknown>) => guest.call('POST', '/api/user/register', { password: 'password-123', ...body })

  test('the SMTP password is sealed at rest, write-only, and used to log in to the SMTP server', async () => {
    const options = (await root.call('GET', '/api/option/')).body.data as { key: string; value: string }[]
    expect(options.find((option) => option.key === 'SMTPToken')).toBeUndefined()
    expect(options.find((option) => option.key === 'SMTPServer')?.value).toBe('127.0.0.1')
    expect((await server.store.options.all()).SMTPToken).toStartWith('v1:')
    expect((await root.call('GET', '/api/option/secrets')).body.data).toMatchObject({ SMTPToken: true, TurnstileSecretKey: false })
    expect((await guest.call('GET', '/api/status')).body.data.email_verification).toBe(true)
    expect((await root.call('PUT', '/api/option/', { key: 'SMTPPort', value: '70000' })).body.success).toBe(false)
  })

  test('registration needs the mailed code; a wrong, reused or expired code is refused and creates nothing', async () => {
    const since = mail.received.length
    expect((await register({ username: 'nocode', email: 'nocode@example.com' })).body.message).toContain('verification code is wrong')
    expect(await askCode('Alice@Example.com')).toMatchObject({ status: 200, body: { success: true } })
    const message = await mail.next('alice@example.com', since)
    expect(message.subject).toContain('verification code')
    expect(message.from).toBe('noreply@example.com')
    const code = codeIn(message.text)
    const wrong = code === '000000' ? '111111' : '000000'
    expect((await register({ username: 'alice', email: 'alice@example.com', verification_code: wrong })).body.code).toBe('invalid_verification_code')
    expect(await server.store.users.getByUsername('alice')).toBeUndefined()
    expect((await register({ username: 'alice', email: 'alice@example.com', verification_code: code })).body).toEqual({ success: true, message: '' })
    expect((await server.store.users.getByUsername('alice'))!.email).toBe('alice@example.com')
    expect((await register({ username: 'alice2', email: 'alice@example.com', verification_code: code })).body.code).toBe('invalid_verification_code')
    expect(mail.refusedLogins).toBe(0)

    // Expired: the stored row says so, though the code itself is right.
    const since2 = mail.received.length
    await askCode('late@example.com')
    const late = codeIn((await mail.next('late@example.com', since2)).text)
    const row = (await server.store.emailCodes.get('verify:late@example.com'))!
    await server.store.emailCodes.put({ ...row, expiresAt: Math.floor(Date.now() / 1000) - 1 })
    expect((await register({ username: 'late', email: 'late@example.com', verification_code: late })).body.code).toBe('invalid_verification_code')
    expect(await server.store.users.getByUsername('late')).toBeUndefined()
  })

  test('a taken username gives the code back; five wrong guesses void it', async () => {
    const since = mail.received.length
    await askCode('bob@example.com')
    const code = codeIn((await mail.next('bob@example.com', since)).text)
    expect((await register({ username: 'root', email: 'bob@example.com', verification_code: code })).body.code).toBe('duplicate_username')
    expect((await register({ username: 'bob', email: 'bob@example.com', verification_code: code })).body.success).toBe(true)

    const since2 = mail.received.length
    await askCode('carol@example.com')
    const carol = codeIn((await mail.next('carol@example.com', since2)).text)
    for (let attempt = 0; attempt < 5; attempt++) await register({ username: 'carol', email: 'carol@example.com', verification_code: carol === '000000' ? '999999' : '000000' })
    expect((await register({ username: 'carol', email: 'carol@example.com', verification_code: carol })).body.code).toBe('invalid_verification_code')
  })

  test('sending is throttled per e-mail address and per client address', async () => {
    const headers = from()
    expect((await askCode('dave@example.com', headers)).status).toBe(200)
    const again = await askCode('dave@example.com', from())
    expect(again.status).toBe(429)
    expect(again.body.message).toContain('just sent')
    const flood = from()
    const statuses: number[] = []
    for (let index = 0; index < 21; index++) statuses.push((await askCode(`flood${index}@example.com`, flood)).status)
    expect(statuses.slice(0, 20).every((status) => status === 200)).toBe(true)
    expect(statuses[20]).toBe(429)
  }, 20_000)

  test('the domain whitelist holds for codes, registration and binding', async () => {
    await root.call('PUT', '/api/option/', { key: 'EmailDomainRestrictionEnabled', value: 'true' })
    await root.call('PUT', '/api/option/', { key: 'EmailDomainWhitelist', value: 'example.com,example.org' })
    try {
      expect((await askCode('eve@elsewhere.net')).body.code).toBe('email_domain_not_allowed')
      expect((await register({ username: 'eve', email: 'eve@elsewhere.net', verification_code: '123456' })).body.code).toBe('email_domain_not_allowed')
      const alice = await server.signIn('alice', 'password-123')
      expect((await alice.call('GET', '/api/oauth/email/bind?email=eve@elsewhere.net&code=123456')).body.code).toBe('email_domain_not_allowed')
      expect((await askCode('eve@example.org')).status).toBe(200)
    } finally {
      await root.call('PUT', '/api/option/', { key: 'EmailDomainRestrictionEnabled', value: 'false' })
    }
  })

  test('binding an address needs its code; an address of another account is refused', async () => {
    const alice = await server.signIn('alice', 'password-123')
    const since = mail.received.length
    await askCode('alice.new@example.com')
    const code = codeIn((await mail.next('alice.new@example.com', since)).text)
    expect((await alice.call('GET', '/api/oauth/email/bind?email=alice.new@example.com&code=000001')).body.success).toBe(code === '000001')
    if (code !== '000001') {
      const bound = await alice.call('GET', `/api/oauth/email/bind?email=alice.new@example.com&code=${code}`)
      expect(bound.body.data.email).toBe('alice.new@example.com')
    }
    expect((await root.call('POST', '/api/user/', { username: 'taken', password: 'password-123', email: 'taken@example.com' })).body.success).toBe(true)
    const since2 = mail.received.length
    await askCode('taken@example.com')
    const taken = codeIn((await mail.next('taken@example.com', since2)).text)
    expect((await alice.call('GET', `/api/oauth/email/bind?email=taken@example.com&code=${taken}`)).body.code).toBe('email_taken')
    expect((await server.store.users.getByUsername('alice'))!.email).toBe('alice.new@example.com')
    expect((await guest.call('GET', '/api/oauth/email/bind?email=x@example.com&code=1')).status).toBe(401)
  })

  test('sign-in accepts the e-mail address in place of the username', async () => {
    const login = await guest.call('POST', '/api/user/login', { username: 'Alice.New@example.com', password: 'password-123' })
    expect(login.body.data.username).toBe('alice')
  })

  test('password reset: the same answer for any address, a single-use link, every session ended', async () => {
    const session = await server.signIn('bob', 'password-123')
    const since = mail.received.length
    const known = await guest.call('GET', '/api/reset_password?email=bob@example.com', undefined, from())
    const unknown = await guest.call('GET', '/api/reset_password?email=nobody@example.com', undefined, from())
    expect(known.body).toEqual(unknown.body)
    expect(known.status).toBe(unknown.status)
    const message = await mail.next('bob@example.com', since)
    await Bun.sleep(200)
    expect(mail.received.slice(since).some((received) => received.to.includes('nobody@example.com'))).toBe(false)
    const link = new URL(/https:\/\/\S+/.exec(message.text)![0])
    expect(link.origin + link.pathname).toBe('https://console.example.com/reset-password')
    const token = link.searchParams.get('token')!
    expect(link.searchParams.get('email')).toBe('bob@example.com')

    expect((await guest.call('POST', '/api/user/reset', { email: 'bob@example.com', token: token + 'x', password: 'new-password-1' })).body.code).toBe('invalid_reset_link')
    expect((await guest.call('POST', '/api/user/reset', { email: 'nobody@example.com', token })).body.code).toBe('invalid_reset_link')
    expect((await guest.call('POST', '/api/user/login', { username: 'bob', password: 'password-123' })).body.success).toBe(true)

    const reset = await guest.call('POST', '/api/user/reset', { email: 'bob@example.com', token })
    expect(reset.body.success).toBe(true)
    const generated = reset.body.data as string
    expect(generated.length).toBeGreaterThanOrEqual(12)
    expect((await session.call('GET', '/api/user/self')).status).toBe(401)
    expect((await guest.call('POST', '/api/user/login', { username: 'bob', password: generated })).body.success).toBe(true)
    expect((await guest.call('POST', '/api/user/reset', { email: 'bob@example.com', token })).body.code).toBe('invalid_reset_link')
  })

  test('without SMTP configured, asking for a code says so', async () => {
    await root.call('PUT', '/api/option/', { key: 'SMTPServer', value: '' })
    try {
      const answer = await askCode('frank@example.com')
      expect(answer.status).toBe(503)
      expect(answer.body.message).toContain('not configured')
    } finally {
      await root.call('PUT', '/api/option/', { key: 'SMTPServer', value: '127.0.0.1' })
    }
  })
})

