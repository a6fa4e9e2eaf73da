import { simpleParser } from 'mailparser'
import type { AddressInfo } from 'node:net'
import { SMTPServer } from 'smtp-server'

/**
 * A real SMTP server on a local port (the `smtp-server` package), for tests of everything that sends mail:
 * it requires AUTH with the given account and password, parses each message with `mailparser`, and keeps it.
 */
export interface ReceivedMail { from: string; to: string[]; subject: string; text: string }

export interface TestMailServer {
  port: number
  received: ReceivedMail[]
  /** The next message to `to` that arrives after `since` received messages (waits up to `timeoutMs`). */
  next(to: string, since?: number, timeoutMs?: number): Promise<ReceivedMail>
  /** Logins refused because the account or password was not the expected one. */
  refusedLogins: number
  close(): Promise<void>
}

export async function startTestMailServer(credentials: { user: string; password: string }): Promise<TestMailServer> {
  const received: ReceivedMail[] = []
  const state = { refusedLogins: 0 }
  const server = new SMTPServer({
    // Plain SMTP on loopback: the transport's TLS is nodemailer's own and not what these tests are about.
    disabledCommands: ['STARTTLS'], allowInsecureAuth: true, logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === credentials.user && auth.password === credentials.password) return callback(null, { user: auth.username })
      state.refusedLogins++
      callback(new Error('Invalid username or password'))
    },
    onData(stream, session, callback) {
      simpleParser(stream).then((mail) => {
        received.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '', to: session.envelope.rcptTo.map((rcpt) => rcpt.address),
          subject: mail.subject ?? '', text: mail.text ?? '',
        })
        callback()
      }, callback)
    },
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.server.address() as AddressInfo).port
  return {
    port,
    received,
    get refusedLogins() { return state.refusedLogins },
    async next(to, since = 0, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs
      for (;;) {
        const mail = received.slice(since).find((candidate) => candidate.to.includes(to))
        if (mail) return mail
        if (Date.now() > deadline) throw new Error(`no mail to ${to} within ${timeoutMs} ms`)
        await Bun.sleep(20)
      }
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}
