import { Elysia, t } from 'elysia'
import type { UserRow } from '../db/store.ts'
import { badRequest } from '../errors.ts'
import { clearFlowCookie, createFlow, flowCookie, peekFlow, takeFlow } from '../auth/auth-flows.ts'
import { currentSessionId, endOtherSessions, readCookie, secureCookies } from '../auth/session.ts'
import {
  confirmSetup, hashBackupCode, newBackupCodes, newTotpSecret, totpFor, verifySecondFactor,
} from '../auth/two-factor.ts'
import { authPlugin, emptyEnvelope, envelope, ok, ROLE_USER, type ApiDependencies } from './context.ts'
import { completeSignIn } from './sign-in.ts'

/** How long the step between a correct password and the 2FA code may take. */
export const TWO_FACTOR_FLOW_SECONDS = 300
/** new-api classic keeps the pending sign-in in the session; here the flow token also rides in this cookie. */
const FLOW_COOKIE = 'two_factor_flow'
const FLOW_COOKIE_PATH = '/api/user/login'

const CodeBody = t.Object({ code: t.String({ minLength: 1, maxLength: 32, error: 'code is required' }) })

/** The password was right and the account has 2FA: hand out the flow token instead of a session. */
export async function beginTwoFactorSignIn(dependencies: ApiDependencies, user: UserRow, set: { headers: Record<string, unknown> }) {
  const flow = await createFlow(dependencies, 'login_2fa', user.id, TWO_FACTOR_FLOW_SECONDS)
  set.headers['set-cookie'] = flowCookie(FLOW_COOKIE, FLOW_COOKIE_PATH, flow.token, TWO_FACTOR_FLOW_SECONDS, secureCookies())
  return ok({ require_2fa: true, flow_token: flow.token, expires_at: flow.expiresAt }, 'Enter the code from your authenticator app or a backup code')
}

// Loaded with the first setup: the QR encoder is for that one call.
let uqr: Promise<typeof import('uqr')> | undefined

const issuerOf = (dependencies: ApiDependencies) => dependencies.caches.options.raw.SystemName || 'Tollgate'

/**
 * new-api's 2FA routes: setup (seed, otpauth URI, QR code, backup codes: shown this once), enable with a first
 * code, status, disable and backup-code regeneration with a code, and the second step of a password sign-in.
 */
export function twoFactorRoutes(dependencies: ApiDependencies) {
  const { store, secretBox } = dependencies
  const hashes = (userId: number, codes: string[]) => codes.map((code) => hashBackupCode(secretBox, userId, code))

  return new Elysia({ name: 'tollgate.two-factor', prefix: '/api/user' })
    .use(authPlugin(dependencies))
    .post('/login/2fa', async ({ body, request, server, set }) => {
      const token = body.flow_token || readCookie(request.headers.get('cookie'), FLOW_COOKIE)
      const flow = await peekFlow(dependencies, 'login_2fa', token)
      if (!flow) throw badRequest('The sign-in expired; enter your password again', 'auth_flow_invalid')
      await verifySecondFactor(dependencies, flow.userId, body.code, { allowBackupCode: true })
      // Spent only now, so a mistyped code can be corrected; of two right answers racing, one wins.
      if (!(await takeFlow(dependencies, 'login_2fa', token))) throw badRequest('The sign-in expired; enter your password again', 'auth_flow_invalid')
      const user = await store.users.get(flow.userId)
      if (!user || user.status !== 1) return { success: false, message: 'User has been banned' }
      return completeSignIn(dependencies, user, 'password', request, dependencies.addressOf(request, server), set, [clearFlowCookie(FLOW_COOKIE, FLOW_COOKIE_PATH)])
    }, {
      body: t.Object({ code: CodeBody.properties.code, flow_token: t.Optional(t.String({ maxLength: 128 })) }),
      detail: { tags: ['Users'], summary: 'Second sign-in step: a TOTP or backup code with the flow token from /api/user/login' },
    })
    .get('/2fa/status', async ({ user }) => {
      const record = await store.twoFactor.get(user.id)
      const locked = Number(record?.lockedUntil ?? 0) > Date.now() / 1000
      if (!record?.enabled) return ok({ enabled: false, locked })
      return ok({ enabled: true, locked, backup_codes_remaining: (JSON.parse(record.backupCodes) as string[]).length })
    }, {
      role: ROLE_USER,
      response: envelope(t.Object({ enabled: t.Boolean(), locked: t.Boolean(), backup_codes_remaining: t.Optional(t.Integer()) })),
      detail: { tags: ['Two-factor'], summary: 'Whether 2FA is on, locked after wrong codes, and how many backup codes are left' },
    })
    .post('/2fa/setup', async ({ user }) => {
      const secret = await newTotpSecret()
      const backupCodes = newBackupCodes()
      const record = await store.twoFactor.begin(user.id, secretBox.seal(secret), hashes(user.id, backupCodes), Math.floor(Date.now() / 1000))
      if (!record) throw badRequest('Two-factor authentication is already enabled; disable it before setting it up again', 'two_factor_enabled')
      const uri = (await totpFor(secret, issuerOf(dependencies), user.username)).toString()
      const { renderSVG } = await (uqr ??= import('uqr'))
      return ok({ secret, qr_code_data: uri, qr_code_svg: renderSVG(uri), backup_codes: backupCodes }, 'Scan the QR code with your authenticator app, then enter a code to finish')
    }, {
      role: ROLE_USER,
      response: envelope(t.Object({ secret: t.String(), qr_code_data: t.String(), qr_code_svg: t.String(), backup_codes: t.Array(t.String()) })),
      detail: { tags: ['Two-factor'], summary: 'Start the setup: the seed, its otpauth URI, a QR code (SVG) and ten backup codes, shown this once' },
    })
    .post('/2fa/enable', async ({ user, body, request }) => {
      await confirmSetup(dependencies, user.id, body.code)
      // Sessions signed in with the password alone end, on every node: from now on they need the code.
      await endOtherSessions(dependencies, user.id, currentSessionId(dependencies, request))
      return ok(undefined, 'Two-factor authentication is on')
    }, { role: ROLE_USER, body: CodeBody, response: emptyEnvelope, detail: { tags: ['Two-factor'], summary: 'Finish the setup with a code from the app' } })
    .post('/2fa/disable', async ({ user, body, request }) => {
      await verifySecondFactor(dependencies, user.id, body.code, { allowBackupCode: true })
      await store.twoFactor.remove(user.id)
      await endOtherSessions(dependencies, user.id, currentSessionId(dependencies, request))
      return ok(undefined, 'Two-factor authentication is off')
    }, { role: ROLE_USER, body: CodeBody, response: emptyEnvelope, detail: { tags: ['Two-factor'], summary: 'Turn 2FA off with a code or a backup code' } })
    .post('/2fa/backup_codes', async ({ user, body }) => {
      await verifySecondFactor(dependencies, user.id, body.code, { allowBackupCode: false })
      const record = (await store.twoFactor.get(user.id))!
      const backupCodes = newBackupCodes()
      if (!(await store.twoFactor.swapBackupCodes(user.id, record.backupCodes, hashes(user.id, backupCodes)))) {
        throw badRequest('The backup codes changed meanwhile; try again', 'two_factor_conflict')
      }
      return ok({ backup_codes: backupCodes }, 'New backup codes: the old ones no longer work')
    }, {
      role: ROLE_USER, body: CodeBody, response: envelope(t.Object({ backup_codes: t.Array(t.String()) })),
      detail: { tags: ['Two-factor'], summary: 'Replace the backup codes (needs a code from the app)' },
    })
}
