import { isIP } from 'node:net'

/** What the routes read of Bun's server: the peer's address. */
export type ServerLike = { requestIP(request: Request): { address: string } | null } | null

/** The client's address for a request: allow-lists, usage logs, the login throttle. */
export type ClientAddress = (request: Request, server: ServerLike) => string

/** An address as 16 bytes (IPv4 as IPv4-mapped IPv6), or undefined when it is not an IP address. */
function bytesOf(address: string): Uint8Array | undefined {
  const plain = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address
  const version = isIP(plain)
  if (version === 4) return new Uint8Array([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, ...plain.split('.').map(Number)])
  if (version !== 6) return undefined
  const [head, tail = ''] = plain.includes('::') ? plain.split('::') : [plain, undefined]
  const groups = (part: string | undefined) => (part ? part.split(':') : [])
  let left = groups(head)
  let right = groups(tail)
  // A trailing dotted IPv4 (::ffff:1.2.3.4) is two groups.
  const last = (right.length ? right : left).at(-1)
  if (last?.includes('.')) {
    const octets = last.split('.').map(Number)
    const pair = [((octets[0]! << 8) | octets[1]!).toString(16), ((octets[2]! << 8) | octets[3]!).toString(16)]
    if (right.length) right = [...right.slice(0, -1), ...pair]
    else left = [...left.slice(0, -1), ...pair]
  }
  const all = plain.includes('::') ? [...left, ...Array(8 - left.length - right.length).fill('0'), ...right] : left
  const bytes = new Uint8Array(16)
  all.forEach((group, index) => {
    const value = parseInt(group, 16)
    bytes[index * 2] = value >> 8
    bytes[index * 2 + 1] = value & 0xff
  })
  return bytes
}

interface Range { base: Uint8Array; prefix: number }

/** `10.0.0.0/8`, `fd00::/8`, or a single address. Throws with the entry when it is not one. */
export function parseCidr(entry: string): Range {
  const [address = '', bits] = entry.trim().split('/')
  const base = bytesOf(address)
  if (!base) throw new Error(`"${entry}" is not an IP address or CIDR range`)
  const v4 = isIP(address) === 4
  const max = v4 ? 32 : 128
  const prefix = bits === undefined ? max : Number(bits)
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > max || (bits !== undefined && !/^\d+$/.test(bits))) throw new Error(`"${entry}" has a bad prefix length (0-${max})`)
  return { base, prefix: v4 ? prefix + 96 : prefix }
}

function inRange(bytes: Uint8Array, range: Range): boolean {
  let bits = range.prefix
  for (let index = 0; bits > 0; index++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff
    if ((bytes[index]! & mask) !== (range.base[index]! & mask)) return false
  }
  return true
}

/** The peer's own address, without the IPv4-mapped prefix Bun reports on dual-stack sockets. */
const peerOf = (request: Request, server: ServerLike) => {
  const address = server?.requestIP(request)?.address ?? ''
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address
}

/**
 * TRUSTED_PROXIES: only a peer in one of these ranges is believed about who the client is. From such a peer the
 * client is the right-most `X-Forwarded-For` hop that is not itself a trusted proxy (every proxy appends the
 * address it saw, so hops left of an untrusted one may be forged), else `X-Real-IP`, else `CF-Connecting-IP`.
 * From any other peer, and without TRUSTED_PROXIES, the headers are ignored: a client cannot spoof its address.
 * Behind Cloudflare, list Cloudflare's ranges too, so the hop it appends is skipped.
 */
export function createClientAddress(trustedProxies: readonly string[]): ClientAddress {
  if (trustedProxies.length === 0) return peerOf
  const ranges = trustedProxies.map(parseCidr)
  const trusted = (address: string) => {
    const bytes = bytesOf(address)
    return bytes !== undefined && ranges.some((range) => inRange(bytes, range))
  }
  const valid = (value: string | null | undefined) => {
    const address = value?.trim()
    return address && isIP(address) ? address : undefined
  }
  return (request, server) => {
    const peer = peerOf(request, server)
    if (!trusted(peer)) return peer
    const forwarded = request.headers.get('x-forwarded-for')
    if (forwarded) {
      const hops = forwarded.split(',')
      for (let index = hops.length - 1; index >= 0; index--) {
        const hop = valid(hops[index])
        if (!hop) return peer // a malformed hop: believe nothing left of it
        if (!trusted(hop)) return hop
      }
      return valid(hops[0]) ?? peer
    }
    return valid(request.headers.get('x-real-ip')) ?? valid(request.headers.get('cf-connecting-ip')) ?? peer
  }
}
