import { Elysia, t } from 'elysia'
import { currentSessionId, endOtherSessions, sessionClearCookie } from '../auth/session.ts'
import { describeDevice } from '../auth/user-agent.ts'
import { notFound } from '../errors.ts'
import { authPlugin, emptyEnvelope, envelope, ok, ROLE_USER, type ApiDependencies } from './context.ts'

/** new-api's session object (`session` in the current login answer), plus the device read from the user agent. */
const SessionSchema = t.Object({
  sid: t.String(), current: t.Boolean(), login_method: t.String(), ip: t.String(), user_agent: t.String(), device: t.String(),
  created_at: t.Number(), last_active_at: t.Number(), expires_at: t.Number(),
})

/** The signed-in user's sessions: list them, end one, end all but this one. */
export function sessionRoutes(dependencies: ApiDependencies) {
  const { store, caches } = dependencies
  const live = async (userId: number) =>
    (await store.sessions.listForUser(userId, Math.floor(Date.now() / 1000))).filter((session) => !caches.sessionRevoked(session.id))

  return new Elysia({ name: 'tollgate.sessions', prefix: '/api/user/sessions' })
    .use(authPlugin(dependencies))
    .get('/', async ({ user, request }) => {
      const current = currentSessionId(dependencies, request)
      return ok((await live(user.id)).map((session) => ({
        sid: session.id, current: session.id === current, login_method: session.method, ip: session.address, user_agent: session.userAgent,
        device: describeDevice(session.userAgent), created_at: Number(session.createdAt), last_active_at: Number(session.lastSeenAt), expires_at: Number(session.expiresAt),
      })))
    }, { role: ROLE_USER, response: envelope(t.Array(SessionSchema)), detail: { tags: ['Users'], summary: 'The signed-in user\'s sessions (device, address, last seen)' } })
    .delete('/:id', async ({ user, params, request, set }) => {
      const session = (await live(user.id)).find((candidate) => candidate.id === params.id)
      if (!session) throw notFound('No such session of yours')
      await store.sessions.end([session])
      await caches.invalidate({ kind: 'sessions' })
      if (session.id === currentSessionId(dependencies, request)) set.headers['set-cookie'] = sessionClearCookie
      return ok()
    }, { role: ROLE_USER, params: t.Object({ id: t.String({ maxLength: 64 }) }), response: emptyEnvelope, detail: { tags: ['Users'], summary: 'End one of your sessions (on every node)' } })
    .delete('/', async ({ user, request }) => {
      const ended = await endOtherSessions(dependencies, user.id, currentSessionId(dependencies, request))
      return ok({ ended })
    }, { role: ROLE_USER, response: envelope(t.Object({ ended: t.Integer() })), detail: { tags: ['Users'], summary: 'End all your sessions except this one' } })
}
