import type { Transporter } from 'nodemailer'
import type { RuntimeOptions } from '../cache/options.ts'
import { GatewayError } from '../errors.ts'
import { openSecretOption } from '../payments/settings.ts'
import type { SecretBox } from '../security/crypto.ts'

/**
 * Outgoing mail, for every feature that sends any (verification codes, reset links, notices): one SMTP transport
 * built from new-api's options `SMTPServer`, `SMTPPort`, `SMTPSSLEnabled`, `SMTPAccount`, `SMTPToken` (sealed at
 * rest) and `SMTPFrom`, rebuilt when they change.
 */

export interface MailMessage { to: string; subject: string; text: string; html?: string }

export interface MailSettings { host: string; port: number; secure: boolean; user: string; password: string; from: string }

export function readMailSettings(options: RuntimeOptions, secretBox: SecretBox): MailSettings | undefined {
  const raw = options.raw
  const host = (raw.SMTPServer ?? '').trim()
  if (!host) return undefined
  const secure = raw.SMTPSSLEnabled === 'true'
  const port = Number(raw.SMTPPort) || (secure ? 465 : 587)
  const user = (raw.SMTPAccount ?? '').trim()
  return { host, port, secure, user, password: openSecretOption(secretBox, raw.SMTPToken), from: (raw.SMTPFrom ?? '').trim() || user }
}

export type Mailer = (message: MailMessage) => Promise<void>

// Loaded with the first mail: most gateways send none, and nodemailer is some 40 modules on the start-up heap.
let nodemailer: Promise<typeof import('nodemailer')> | undefined

/** A mailer over the current options; refuses with a clear message when SMTP is not configured. */
export function createMailer(dependencies: { caches: { readonly options: RuntimeOptions }; secretBox: SecretBox }): Mailer {
  let built: { key: string; transport: Transporter } | undefined
  return async function sendMail(message) {
    const settings = readMailSettings(dependencies.caches.options, dependencies.secretBox)
    if (!settings) throw new GatewayError(503, 'E-mail is not configured on this server (SMTPServer)', 'smtp_not_configured')
    const key = JSON.stringify(settings)
    // Before the check, not inside it: an await between the check and the swap would let two sends race to build.
    const { createTransport } = await (nodemailer ??= import('nodemailer'))
    if (built?.key !== key) {
      built?.transport.close()
      built = {
        key,
        transport: createTransport({
          host: settings.host, port: settings.port, secure: settings.secure,
          auth: settings.user ? { user: settings.user, pass: settings.password } : undefined,
          connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 20_000,
        }),
      }
    }
    try {
      await built.transport.sendMail({ from: settings.from, to: message.to, subject: message.subject, text: message.text, html: message.html })
    } catch (error) {
      // The SMTP server's reason is for the log; the client learns only that sending failed.
      console.error(`[mail] sending "${message.subject}" failed: ${(error as Error).message}`)
      throw new GatewayError(502, 'The e-mail could not be sent; try again later', 'smtp_failed')
    }
  }
}
