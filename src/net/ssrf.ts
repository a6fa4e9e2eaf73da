/**
 * SSRF guard: decides whether a URL supplied by a client (an image URL inside a prompt, a file URL, a webhook)
 * may be fetched by the gateway. The gateway sits inside the operator's network, so a URL that resolves to
 * loopback, a private range, link-local (169.254.169.254 is the cloud metadata service) or any other
 * non-global address is refused unless the operator allow-listed that host.
 *
 * Every address a name resolves to must be public: a name that resolves to one public and one private address
 * is refused, since the connection may go to either.
 */
import { lookup } from 'node:dns/promises'
import { isIP } from 'node:net'
import { GatewayError } from '../errors.ts'

/** Why a URL was refused: a 400 (the client sent the URL), code `unsafe_url`, never retried on another channel. */
export class UnsafeUrlError extends GatewayError {
  constructor(message: string) {
    super(400, message, 'unsafe_url', 'invalid_request_error')
    this.name = 'UnsafeUrlError'
  }
}

/** One refused range. `bytes` is the network address, `prefix` its length in bits. */
interface AddressRange {
  bytes: number[]
  prefix: number
  reason: string
}

function range(address: string, prefix: number, reason: string): AddressRange {
  const bytes = parseAddress(address)
  if (!bytes) throw new Error(`bad range literal ${address}`)
  return { bytes, prefix, reason }
}

const ipv4Ranges: AddressRange[] = [
  range('0.0.0.0', 8, 'unspecified/"this network" (0.0.0.0/8)'),
  range('10.0.0.0', 8, 'private (RFC 1918 10/8)'),
  range('100.64.0.0', 10, 'carrier-grade NAT (100.64/10)'),
  range('127.0.0.0', 8, 'loopback (127/8)'),
  range('169.254.0.0', 16, 'link-local (169.254/16, includes cloud metadata)'),
  range('172.16.0.0', 12, 'private (RFC 1918 172.16/12)'),
  range('192.0.0.0', 24, 'IETF protocol assignments (192.0.0/24)'),
  range('192.0.2.0', 24, 'documentation (192.0.2/24)'),
  range('192.88.99.0', 24, '6to4 relay anycast (192.88.99/24)'),
  range('192.168.0.0', 16, 'private (RFC 1918 192.168/16)'),
  range('198.18.0.0', 15, 'benchmarking (198.18/15)'),
  range('198.51.100.0', 24, 'documentation (198.51.100/24)'),
  range('203.0.113.0', 24, 'documentation (203.0.113/24)'),
  range('224.0.0.0', 4, 'multicast (224/4)'),
  range('240.0.0.0', 4, 'reserved (240/4, includes broadcast)'),
]

const ipv6Ranges: AddressRange[] = [
  range('::', 128, 'unspecified (::)'),
  range('::1', 128, 'loopback (::1)'),
  range('100::', 64, 'discard-only (100::/64)'),
  range('2001::', 32, 'Teredo (2001::/32, hides an IPv4 address)'),
  range('2001:db8::', 32, 'documentation (2001:db8::/32)'),
  range('fc00::', 7, 'unique local (fc00::/7)'),
  range('fe80::', 10, 'link-local (fe80::/10)'),
  range('fec0::', 10, 'site-local (fec0::/10)'),
  range('ff00::', 8, 'multicast (ff00::/8)'),
]

/** IPv6 prefixes that carry an IPv4 address in the given bytes: the IPv4 address decides. */
const embeddedIpv4Ranges: { range: AddressRange; offset: number }[] = [
  { range: range('::ffff:0:0', 96, 'IPv4-mapped'), offset: 12 },
  { range: range('::', 96, 'IPv4-compatible'), offset: 12 },
  { range: range('64:ff9b::', 96, 'NAT64'), offset: 12 },
  { range: range('64:ff9b:1::', 48, 'local NAT64'), offset: 12 },
  { range: range('2002::', 16, '6to4'), offset: 2 },
]

function parseIpv4(text: string): number[] | null {
  const parts = text.split('.')
  if (parts.length !== 4) return null
  const bytes: number[] = []
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part)) return null
    const value = Number(part)
    if (value > 255) return null
    bytes.push(value)
  }
  return bytes
}

function parseIpv6(text: string): number[] | null {
  // A zone index (fe80::1%eth0) only names the interface; the address decides.
  const address = text.split('%')[0]!
  let words: number[] = []
  const halves = address.split('::')
  if (halves.length > 2) return null
  const parseWords = (part: string): number[] | null => {
    if (part === '') return []
    const result: number[] = []
    const groups = part.split(':')
    for (let index = 0; index < groups.length; index++) {
      const group = groups[index]!
      if (index === groups.length - 1 && group.includes('.')) {
        const ipv4 = parseIpv4(group)
        if (!ipv4) return null
        result.push((ipv4[0]! << 8) | ipv4[1]!, (ipv4[2]! << 8) | ipv4[3]!)
        continue
      }
      if (!/^[0-9a-f]{1,4}$/i.test(group)) return null
      result.push(parseInt(group, 16))
    }
    return result
  }
  const head = parseWords(halves[0]!)
  if (!head) return null
  if (halves.length === 2) {
    const tail = parseWords(halves[1]!)
    if (!tail) return null
    const missing = 8 - head.length - tail.length
    if (missing < 1) return null
    words = [...head, ...new Array<number>(missing).fill(0), ...tail]
  } else {
    words = head
  }
  if (words.length !== 8) return null
  return words.flatMap((word) => [word >> 8, word & 0xff])
}

/** Bytes of an IPv4 (4) or IPv6 (16) literal, or null when the text is not an IP address. */
function parseAddress(text: string): number[] | null {
  const stripped = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text
  return stripped.includes(':') ? parseIpv6(stripped) : parseIpv4(stripped)
}

function inRange(bytes: number[], candidate: AddressRange): boolean {
  if (bytes.length !== candidate.bytes.length) return false
  let bitsLeft = candidate.prefix
  for (let index = 0; bitsLeft > 0; index++, bitsLeft -= 8) {
    const mask = bitsLeft >= 8 ? 0xff : (0xff << (8 - bitsLeft)) & 0xff
    if ((bytes[index]! & mask) !== (candidate.bytes[index]! & mask)) return false
  }
  return true
}

function classifyBytes(bytes: number[]): string | null {
  if (bytes.length === 4) return ipv4Ranges.find((candidate) => inRange(bytes, candidate))?.reason ?? null
  const ipv6Reason = ipv6Ranges.find((candidate) => inRange(bytes, candidate))?.reason
  if (ipv6Reason) return ipv6Reason
  for (const { range: embedding, offset } of embeddedIpv4Ranges) {
    if (!inRange(bytes, embedding)) continue
    const embedded = classifyBytes(bytes.slice(offset, offset + 4))
    return embedded ? `${embedding.reason} ${embedded}` : null
  }
  return null
}

/**
 * Why an address must not be fetched (a short reason naming the range), or null when it is a public address.
 * An unparsable string counts as not public.
 */
export function findNonPublicRange(address: string): string | null {
  const bytes = parseAddress(address)
  if (!bytes) return `not an IP address (${address})`
  return classifyBytes(bytes)
}

export function isPublicAddress(address: string): boolean {
  return findNonPublicRange(address) === null
}

function normaliseHost(host: string): string {
  const lower = host.trim().toLowerCase()
  const unbracketed = lower.startsWith('[') && lower.endsWith(']') ? lower.slice(1, -1) : lower
  return unbracketed.endsWith('.') ? unbracketed.slice(0, -1) : unbracketed
}

/** Whether the URL's host is on the allow-list (host names or IP literals, compared case-insensitively, port ignored). */
export function isAllowListedHost(url: URL, allowList: readonly string[]): boolean {
  if (allowList.length === 0) return false
  const host = normaliseHost(url.hostname)
  return allowList.some((entry) => normaliseHost(entry) === host)
}

/** Result of a passed check. `addresses` are the vetted addresses a connection should be pinned to. */
export interface PublicUrlCheck {
  url: URL
  /** Every address the host resolved to (the literal itself for an IP URL); empty when allow-listed. */
  addresses: string[]
  allowListed: boolean
}

export type ResolveHost = (hostname: string) => Promise<string[]>

const resolveWithSystem: ResolveHost = async (hostname) => {
  const results = await lookup(hostname, { all: true, verbatim: true })
  return results.map((result) => result.address)
}

/**
 * Throws UnsafeUrlError unless `input` is an http(s) URL whose host is allow-listed or resolves only to public
 * addresses. Call it again for every redirect hop: a public URL may redirect to a private one.
 * `resolveHost` is the DNS resolver (defaults to the system resolver, as the connection would use).
 */
export async function assertPublicUrl(
  input: string | URL,
  allowList: readonly string[] = [],
  resolveHost: ResolveHost = resolveWithSystem,
): Promise<PublicUrlCheck> {
  let url: URL
  try {
    url = typeof input === 'string' ? new URL(input) : input
  } catch {
    throw new UnsafeUrlError('invalid URL')
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UnsafeUrlError(`URL scheme ${url.protocol} is not allowed, only http and https`)
  }
  if (isAllowListedHost(url, allowList)) return { url, addresses: [], allowListed: true }

  const host = normaliseHost(url.hostname)
  if (host === '') throw new UnsafeUrlError('URL has no host')
  let addresses: string[]
  if (isIP(host) !== 0) {
    addresses = [host]
  } else {
    try {
      addresses = await resolveHost(host)
    } catch (error) {
      throw new UnsafeUrlError(`cannot resolve host ${host}: ${(error as Error).message}`)
    }
    if (addresses.length === 0) throw new UnsafeUrlError(`host ${host} has no address`)
  }
  for (const address of addresses) {
    const reason = findNonPublicRange(address)
    if (reason) throw new UnsafeUrlError(`host ${host} resolves to ${address}, a ${reason} address; refused`)
  }
  return { url, addresses, allowListed: false }
}
