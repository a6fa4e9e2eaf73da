import type { ChannelClient } from '../channels/channel-client.ts'
import type { ChannelHealth } from '../channels/channel-health.ts'
import { channelBatchRoutes } from './channel-batch.ts'
import { channelOpsRoutes } from './channel-ops.ts'
import { channelRoutes } from './channels.ts'
import type { ApiDependencies } from './context.ts'
import { emailRoutes } from './email.ts'
import { invitationRoutes } from './invitations.ts'
import { logRoutes } from './logs.ts'
import { noticeRoutes } from './notices.ts'
import { oauthRoutes } from './oauth.ts'
import { ollamaRoutes } from './ollama.ts'
import { passkeyRoutes } from './passkeys.ts'
import { planRoutes } from './plans.ts'
import { ratioSyncRoutes } from './ratio-sync.ts'
import { redemptionRoutes } from './redemptions.ts'
import { secondFactorAdminRoutes } from './second-factor-admin.ts'
import { secureVerificationRoutes } from './secure-verification.ts'
import { stripeRoutes } from './stripe.ts'
import { systemRoutes } from './system.ts'
import { taskRoutes } from './tasks.ts'
import { tokenRoutes } from './tokens.ts'
import { topUpRoutes } from './topup.ts'
import { sessionRoutes } from './sessions.ts'
import { twoFactorRoutes } from './two-factor.ts'
import { userRoutes } from './users.ts'

/** What the management API groups need, all built once at start-up. */
export type ManagementDependencies = ApiDependencies & { health: ChannelHealth; channelClient: ChannelClient }

/**
 * Every management API group (`/api/*`), one Elysia instance per file in this folder. A new group is a file here
 * and one entry in this list.
 */
export function managementRoutes(dependencies: ManagementDependencies) {
  return [
    systemRoutes(dependencies),
    ratioSyncRoutes(dependencies),
    userRoutes(dependencies),
    emailRoutes(dependencies),
    sessionRoutes(dependencies),
    oauthRoutes(dependencies),
    twoFactorRoutes(dependencies),
    passkeyRoutes(dependencies),
    secondFactorAdminRoutes(dependencies),
    secureVerificationRoutes(dependencies),
    tokenRoutes(dependencies),
    channelRoutes(dependencies),
    channelOpsRoutes(dependencies),
    channelBatchRoutes(dependencies),
    ollamaRoutes(dependencies),
    logRoutes(dependencies),
    ...redemptionRoutes(dependencies),
    topUpRoutes(dependencies),
    invitationRoutes(dependencies),
    ...stripeRoutes(dependencies),
    ...planRoutes(dependencies),
    noticeRoutes(dependencies),
    taskRoutes(dependencies),
  ]
}
