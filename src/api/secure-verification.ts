import { Elysia, t } from 'elysia'
import { badRequest } from '../errors.ts'
import { markVerified, takePasskeyCheck, verifiableSession, verifiedUntil } from '../auth/secure-verification.ts'
import { hasTwoFactor, verifySecondFactor } from '../auth/two-factor.ts'
import { authPlugin, envelope, ok, ROLE_USER, type ApiDependencies } from './context.ts'

const VerificationSchema = t.Object({ verified: t.Boolean(), expires_at: t.Optional(t.Number()) })

/**
 * new-api's universal verification: `POST /api/verify {method:"2fa", code}` (an app or a backup code), or
 * `{method:"passkey"}` after `/api/user/passkey/verify/begin` and `/finish`. It holds five minutes for this
 * browser session; `POST /api/channel/:id/key` needs it.
 */
export function secureVerificationRoutes(dependencies: ApiDependencies) {
  const { store } = dependencies
  return new Elysia({ name: 'tollgate.secure-verification', prefix: '/api/verify' })
    .use(authPlugin(dependencies))
    .post('/', async ({ user, body, request }) => {
      const sessionId = verifiableSession(dependencies, request)
      if (body.method === '2fa') {
        if (!(await hasTwoFactor(dependencies, user.id))) throw badRequest('Two-factor authentication is not enabled for this account', 'two_factor_not_enabled')
        if (!body.code) throw badRequest('Enter a code from the app or a backup code', 'two_factor_code_invalid')
        await verifySecondFactor(dependencies, user.id, body.code, { allowBackupCode: true })
      } else {
        if ((await store.passkeys.listForUser(user.id)).length === 0) throw badRequest('No passkey is registered for this account', 'passkey_none')
        if (!(await takePasskeyCheck(dependencies, sessionId, user))) {
          throw badRequest('Check your passkey first (/api/user/passkey/verify/begin and /finish)', 'passkey_not_checked')
        }
      }
      return ok({ verified: true, expires_at: await markVerified(dependencies, sessionId, user) }, 'Verified')
    }, {
      role: ROLE_USER,
      body: t.Object({ method: t.UnionEnum(['2fa', 'passkey']), code: t.Optional(t.String({ maxLength: 32 })) }),
      response: envelope(VerificationSchema),
      detail: { tags: ['Two-factor'], summary: 'Verify again with a 2FA code or a passkey, for sensitive actions in the next 5 minutes' },
    })
    .get('/status', async ({ user, request }) => {
      const expiresAt = await verifiedUntil(dependencies, verifiableSession(dependencies, request), user)
      return ok(expiresAt === undefined ? { verified: false } : { verified: true, expires_at: expiresAt })
    }, { role: ROLE_USER, response: envelope(VerificationSchema), detail: { tags: ['Two-factor'], summary: 'Whether this session holds a fresh verification' } })
}
