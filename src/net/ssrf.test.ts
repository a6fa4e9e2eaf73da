import { describe, expect, test } from 'bun:test'
import { assertPublicUrl, findNonPublicRange, isPublicAddress, UnsafeUrlError } from './ssrf.ts'

describe('findNonPublicRange', () => {
  const refused: [string, RegExp][] = [
    ['127.0.0.1', /loopback/],
    ['127.255.255.254', /loopback/],
    ['10.0.0.1', /RFC 1918 10/],
    ['10.255.255.255', /RFC 1918 10/],
    ['172.16.0.1', /RFC 1918 172/],
    ['172.31.255.255', /RFC 1918 172/],
    ['192.168.1.1', /RFC 1918 192/],
    ['169.254.169.254', /link-local.*metadata/],
    ['169.254.0.1', /link-local/],
    ['100.64.0.1', /carrier-grade NAT/],
    ['100.127.255.254', /carrier-grade NAT/],
    ['0.0.0.0', /unspecified/],
    ['0.1.2.3', /unspecified/],
    ['224.0.0.1', /multicast/],
    ['255.255.255.255', /reserved/],
    ['198.18.0.1', /benchmarking/],
    ['192.0.2.5', /documentation/],
    ['::1', /loopback/],
    ['::', /unspecified/],
    ['fc00::1', /unique local/],
    ['fd12:3456:789a::1', /unique local/],
    ['fe80::1', /link-local/],
    ['fe80::1%eth0', /link-local/],
    ['febf:ffff::1', /link-local/],
    ['ff02::1', /multicast/],
    ['::ffff:127.0.0.1', /IPv4-mapped loopback/],
    ['::ffff:7f00:1', /IPv4-mapped loopback/],
    ['::ffff:169.254.169.254', /IPv4-mapped link-local/],
    ['::ffff:10.1.1.1', /IPv4-mapped private/],
    ['::ffff:100.64.1.1', /IPv4-mapped carrier-grade/],
    ['::127.0.0.1', /IPv4-compatible loopback/],
    ['64:ff9b::a9fe:a9fe', /NAT64 link-local/],
    ['2002:7f00:1::', /6to4 loopback/],
    ['2001:0:4136:e378::1', /Teredo/],
    ['2001:db8::1', /documentation/],
    ['not-an-ip', /not an IP/],
    ['1.2.3', /not an IP/],
    ['256.1.1.1', /not an IP/],
  ]
  for (const [address, reason] of refused) {
    test(`refuses ${address}`, () => {
      expect(findNonPublicRange(address)).toMatch(reason)
      expect(isPublicAddress(address)).toBe(false)
    })
  }

  const allowed = ['8.8.8.8', '1.1.1.1', '172.15.255.255', '172.32.0.1', '100.63.255.255', '100.128.0.1', '169.253.255.255', '169.255.0.1', '11.0.0.1', '192.169.0.1', '223.255.255.255', '2606:4700:4700::1111', '2a00:1450:4001:80b::200e', '::ffff:8.8.8.8', '2400:cb00::1']
  for (const address of allowed) {
    test(`allows public ${address}`, () => {
      expect(findNonPublicRange(address)).toBeNull()
    })
  }
})

describe('assertPublicUrl', () => {
  const neverResolve = async (): Promise<string[]> => {
    throw new Error('resolver must not be called for IP literals')
  }

  for (const url of [
    'http://127.0.0.1/',
    'http://127.1/', // the URL parser normalises short forms
    'http://2130706433/', // decimal form of 127.0.0.1
    'http://0x7f.0.0.1/',
    'http://[::1]:8080/x',
    'http://[::ffff:169.254.169.254]/latest/meta-data/',
    'http://169.254.169.254/latest/meta-data/',
    'https://10.0.0.5/image.png',
    'http://100.64.0.1/',
    'http://0.0.0.0:3000/',
  ]) {
    test(`refuses ${url}`, async () => {
      await expect(assertPublicUrl(url, [], neverResolve)).rejects.toBeInstanceOf(UnsafeUrlError)
    })
  }

  test('refuses names that resolve to loopback through the system resolver', async () => {
    await expect(assertPublicUrl('http://localhost:9/')).rejects.toThrow(/localhost resolves to .*loopback/)
  })

  test('refuses non-http schemes', async () => {
    await expect(assertPublicUrl('file:///etc/passwd')).rejects.toThrow(/scheme file:/)
    await expect(assertPublicUrl('ftp://example.com/a.png')).rejects.toThrow(/scheme ftp:/)
    await expect(assertPublicUrl('not a url')).rejects.toThrow(/invalid URL/)
  })

  test('refuses a name when any of its addresses is private', async () => {
    const resolver = async () => ['93.184.216.34', '10.0.0.7']
    await expect(assertPublicUrl('https://mixed.example/a.png', [], resolver)).rejects.toThrow(/10\.0\.0\.7.*RFC 1918/)
  })

  test('refuses a name that does not resolve', async () => {
    const resolver = async (): Promise<string[]> => {
      throw new Error('ENOTFOUND')
    }
    await expect(assertPublicUrl('https://nowhere.example/a.png', [], resolver)).rejects.toThrow(/cannot resolve host nowhere.example/)
  })

  test('passes a public name and returns the vetted addresses', async () => {
    const resolver = async () => ['93.184.216.34', '2606:2800:220:1:248:1893:25c8:1946']
    const check = await assertPublicUrl('https://images.example/a.png', [], resolver)
    expect(check.addresses).toEqual(['93.184.216.34', '2606:2800:220:1:248:1893:25c8:1946'])
    expect(check.allowListed).toBe(false)
  })

  test('allow-listed hosts pass even when private, matched case-insensitively and without port', async () => {
    const check = await assertPublicUrl('http://127.0.0.1:8080/a.png', ['127.0.0.1'], neverResolve)
    expect(check.allowListed).toBe(true)
    const named = await assertPublicUrl('http://Media.Internal:81/a.png', ['media.internal'], neverResolve)
    expect(named.allowListed).toBe(true)
    const ipv6 = await assertPublicUrl('http://[::1]/a.png', ['[::1]'], neverResolve)
    expect(ipv6.allowListed).toBe(true)
    // The allow-list names hosts, not ranges: a neighbour stays refused.
    await expect(assertPublicUrl('http://127.0.0.2/', ['127.0.0.1'], neverResolve)).rejects.toBeInstanceOf(UnsafeUrlError)
  })

  test('the error is a 400 gateway error with code unsafe_url', async () => {
    const error = await assertPublicUrl('http://127.0.0.1/', [], neverResolve).catch((caught) => caught)
    expect(error.status).toBe(400)
    expect(error.code).toBe('unsafe_url')
  })
})
