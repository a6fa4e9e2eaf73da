import { isIP } from 'node:net'

/**
 * Token IP allow-lists: newline-separated IPs or CIDRs (new-api strips spaces and commas inside a line).
 * Parsed once when the token is cached; matching is integer arithmetic per request.
 */
export interface AllowRule { version: 4 | 6; network: bigint; mask: bigint }

function toBigInt(address: string, version: 4 | 6): bigint {
  if (version === 4) return address.split('.').reduce((value, part) => (value << 8n) | BigInt(Number(part)), 0n)
  const [head = '', tail = ''] = address.split('::')
  const expand = (text: string) => (text ? text.split(':') : [])
  let headParts = expand(head)
  let tailParts = expand(tail)
  // An embedded IPv4 tail (::ffff:1.2.3.4) counts as two groups.
  const fixV4 = (parts: string[]) => parts.flatMap((part) => {
    if (!part.includes('.')) return [part]
    const value = toBigInt(part, 4)
    return [(value >> 16n).toString(16), (value & 0xffffn).toString(16)]
  })
  headParts = fixV4(headParts)
  tailParts = fixV4(tailParts)
  const groups = address.includes('::') ? [...headParts, ...Array(8 - headParts.length - tailParts.length).fill('0'), ...tailParts] : headParts
  return groups.reduce((value, group) => (value << 16n) | BigInt(parseInt(group || '0', 16)), 0n)
}

/** Parse one rule; throws an Error naming the bad entry. */
export function parseAllowRule(entry: string): AllowRule {
  const [address = '', prefixText] = entry.split('/')
  const version = isIP(address)
  if (version === 0) throw new Error(`"${entry}" is not an IP address or CIDR`)
  const bits = version === 4 ? 32 : 128
  const prefix = prefixText === undefined ? bits : Number(prefixText)
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > bits) throw new Error(`"${entry}" has an invalid prefix length`)
  const mask = prefix === 0 ? 0n : ((1n << BigInt(prefix)) - 1n) << BigInt(bits - prefix)
  return { version: version as 4 | 6, network: toBigInt(address, version as 4 | 6) & mask, mask }
}

export const splitAllowList = (text: string) => text.split('\n').map((line) => line.replace(/[\s,]/g, '')).filter(Boolean)

export function parseAllowList(text: string): AllowRule[] {
  return splitAllowList(text).map(parseAllowRule)
}

export function isAllowed(rules: AllowRule[], address: string): boolean {
  if (rules.length === 0) return true
  let normalized = address
  if (normalized.startsWith('::ffff:') && isIP(normalized.slice(7)) === 4) normalized = normalized.slice(7)
  const version = isIP(normalized)
  if (version === 0) return false
  const value = toBigInt(normalized, version as 4 | 6)
  return rules.some((rule) => rule.version === version && (value & rule.mask) === rule.network)
}
