import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { loadConfig, ConfigError } from '../config.ts'
import { startRelayHarness, type RelayHarness } from '../testing/relay.ts'
import { createClientAddress, parseCidr } from './client-address.ts'

const peer = (address: string) => ({ requestIP: () => ({ address }) })
const request = (headers: Record<string, string>) => new Request('http://gateway/v1/models', { headers })

describe('the client address', () => {
  test('without TRUSTED_PROXIES the forwarding headers are ignored', () => {
    const addressOf = createClientAddress([])
    expect(addressOf(request({ 'x-forwarded-for': '6.6.6.6', 'x-real-ip': '6.6.6.6' }), peer('203.0.113.9'))).toBe('203.0.113.9')
  })

  test('from a trusted proxy: the right-most X-Forwarded-For hop that is not a proxy', () => {
    const addressOf = createClientAddress(['10.0.0.0/8', '2001:db8::/32'])
    // The client forged the left-most hop; the trusted proxy appended what it saw (198.51.100.7).
    expect(addressOf(request({ 'x-forwarded-for': '6.6.6.6, 198.51.100.7' }), peer('10.1.2.3'))).toBe('198.51.100.7')
    // Two trusted proxies in a row are skipped.
    expect(addressOf(request({ 'x-forwarded-for': '198.51.100.7, 10.9.9.9' }), peer('::ffff:10.1.2.3'))).toBe('198.51.100.7')
    expect(addressOf(request({ 'x-forwarded-for': '2001:db9::1, 2001:db8::5' }), peer('2001:db8::1'))).toBe('2001:db9::1')
    // A malformed hop: nothing left of it is believed.
    expect(addressOf(request({ 'x-forwarded-for': '198.51.100.7, not-an-ip' }), peer('10.1.2.3'))).toBe('10.1.2.3')
    expect(addressOf(request({ 'x-real-ip': '198.51.100.8' }), peer('10.1.2.3'))).toBe('198.51.100.8')
    expect(addressOf(request({ 'cf-connecting-ip': '198.51.100.9' }), peer('10.1.2.3'))).toBe('198.51.100.9')
  })

  test('from a peer that is not trusted, nothing it says is believed', () => {
    const addressOf = createClientAddress(['10.0.0.0/8'])
    expect(addressOf(request({ 'x-forwarded-for': '198.51.100.7', 'x-real-ip': '198.51.100.7' }), peer('11.0.0.1'))).toBe('11.0.0.1')
  })

  test('ranges parse strictly; a bad TRUSTED_PROXIES stops the start naming the variable', () => {
    expect(parseCidr('192.168.0.0/16').prefix).toBe(112)
    expect(parseCidr('::1').prefix).toBe(128)
    for (const bad of ['10.0.0.0/33', '10.0.0/8', 'fd00::/129', 'example.com', '10.0.0.0/8x']) expect(() => parseCidr(bad)).toThrow()
    expect(loadConfig({ TRUSTED_PROXIES: '10.0.0.0/8 , 127.0.0.1 ::1' }).trustedProxies).toEqual(['10.0.0.0/8', '127.0.0.1', '::1'])
    expect(() => loadConfig({ TRUSTED_PROXIES: '10.0.0.0/8,nonsense' })).toThrow(ConfigError)
    expect(() => loadConfig({ TRUSTED_PROXIES: '10.0.0.0/8,nonsense' })).toThrow(/TRUSTED_PROXIES/)
  })
})

describe('behind a trusted proxy, end to end', () => {
  let harness: RelayHarness
  beforeAll(async () => {
    harness = await startRelayHarness({ env: { TRUSTED_PROXIES: '127.0.0.1' } })
    await harness.addChannel()
  })
  afterAll(() => harness.dispose())

  test('the IP allow-list and the usage log see the forwarded client', async () => {
    const { key } = await harness.addToken({ allow_ips: '198.51.100.7' })
    const call = (forwardedFor: string) => fetch(`${harness.server.url}/v1/chat/completions`, {
      method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'x-forwarded-for': forwardedFor },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
    })
    expect((await call('198.51.100.7')).status).toBe(200)
    expect((await call('6.6.6.6')).status).toBe(403)
    await harness.server.flushUsage()
    const rows = (await harness.root.call('GET', '/api/log/?type=2')).body.data.items as { ip: string }[]
    expect(rows.map((row) => row.ip)).toEqual(['198.51.100.7'])
  })
})

test('without TRUSTED_PROXIES a forged X-Forwarded-For does not pass an IP allow-list', async () => {
  const harness = await startRelayHarness()
  try {
    await harness.addChannel()
    const { key } = await harness.addToken({ allow_ips: '198.51.100.7' })
    const response = await fetch(`${harness.server.url}/v1/chat/completions`, {
      method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'x-forwarded-for': '198.51.100.7', 'x-real-ip': '198.51.100.7' },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
    })
    expect(response.status).toBe(403)
  } finally {
    await harness.dispose()
  }
})
