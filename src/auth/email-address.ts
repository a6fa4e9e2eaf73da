import type { RuntimeOptions } from '../cache/options.ts'
import { badRequest } from '../errors.ts'
import { splitList } from '../split-list.ts'

/** E-mail addresses as accounts hold them: trimmed, lower case, one `@`, a dotted domain, at most 100 characters. */
export function normalizeEmail(input: string | undefined): string {
  const email = (input ?? '').trim().toLowerCase()
  if (!email) throw badRequest('An e-mail address is required', 'email_required')
  if (email.length > 100 || !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) throw badRequest('That is not a valid e-mail address', 'invalid_email')
  return email
}

/** `EmailDomainRestrictionEnabled` + `EmailDomainWhitelist` (comma-separated domains, new-api's encoding). */
export function assertEmailDomainAllowed(options: RuntimeOptions, email: string): void {
  if (options.raw.EmailDomainRestrictionEnabled !== 'true') return
  const domain = email.slice(email.lastIndexOf('@') + 1)
  const allowed = splitList(options.raw.EmailDomainWhitelist ?? '').map((entry) => entry.toLowerCase().replace(/^@/, ''))
  if (!allowed.includes(domain)) throw badRequest(`E-mail addresses at ${domain} are not accepted here; allowed: ${allowed.join(', ') || 'none'}`, 'email_domain_not_allowed')
}
