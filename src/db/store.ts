import type { Database } from './types.ts'
import { createChannelsStore } from './store/channels.ts'
import { createEmailCodesStore } from './store/email-codes.ts'
import { createFlush } from './store/flush.ts'
import { createInvitationsStore } from './store/invitations.ts'
import { createLogsStore } from './store/logs.ts'
import { createOAuthStatesStore } from './store/oauth-states.ts'
import { createOptionsStore } from './store/options.ts'
import { createQuotaDataStore } from './store/quota-data.ts'
import { createQuotaNoticesStore } from './store/quota-notices.ts'
import { createRedemptionsStore } from './store/redemptions.ts'
import { createSubscriptionsStore } from './store/subscriptions.ts'
import { createSessionsStore } from './store/sessions.ts'
import { createTasksStore } from './store/tasks.ts'
import { createTwoFactorStore } from './store/two-factor.ts'
import { createPasskeysStore } from './store/passkeys.ts'
import { createAuthFlowsStore } from './store/auth-flows.ts'
import { createTokensStore } from './store/tokens.ts'
import { createTopUpsStore } from './store/top-ups.ts'
import { createUsersStore } from './store/users.ts'

/**
 * The data-access layer: one module per table under ./store/, composed here. Importers use this module only, so
 * the split stays an internal matter.
 */

export type {
  ChannelRow, FlushBatch, LogRow, NewChannel, NewLog, NewRedemption, NewTask, NewToken, NewTopUp, NewUser, Page, PageResult,
  QuotaDataIncrement, QuotaDataRow, QuotaDelta, RedemptionRow, TaskRow, TokenRow, TopUpRow, UserRow,
} from './types.ts'
export { DuplicateError, matchText } from './store/shared.ts'
export type { LogFilter } from './store/logs.ts'
export type { SessionRow } from './store/sessions.ts'
export type { EmailCodeRow } from './store/email-codes.ts'
export type { IdentityColumn } from './store/users.ts'
export type { OAuthStateRow } from './store/oauth-states.ts'
export type { TwoFactorRow } from './store/two-factor.ts'
export type { NewPasskey, PasskeyRow } from './store/passkeys.ts'
export type { AuthFlowRow } from './store/auth-flows.ts'
export { RedemptionStatus, type RedeemFailure, type RedeemResult, type RedemptionFilter } from './store/redemptions.ts'
export type { CompleteFailure, CompleteResult, CompleteTopUp, TopUpFilter, TopUpStatus } from './store/top-ups.ts'
export type { GrantStep, NewPlan, PlanRow, SubscriptionRow } from './store/subscriptions.ts'
export { finishedTaskStatuses, type PendingTask, type TaskFilter, type TaskScope, type TaskStatus } from './store/tasks.ts'

export type Store = ReturnType<typeof createStore>

export function createStore(database: Database) {
  return {
    database,
    users: createUsersStore(database),
    tokens: createTokensStore(database),
    channels: createChannelsStore(database),
    options: createOptionsStore(database),
    logs: createLogsStore(database),
    quotaData: createQuotaDataStore(database),
    redemptions: createRedemptionsStore(database),
    topUps: createTopUpsStore(database),
    invitations: createInvitationsStore(database),
    subscriptions: createSubscriptionsStore(database),
    quotaNotices: createQuotaNoticesStore(database),
    tasks: createTasksStore(database),
    sessions: createSessionsStore(database),
    emailCodes: createEmailCodesStore(database),
    oauthStates: createOAuthStatesStore(database),
    twoFactor: createTwoFactorStore(database),
    passkeys: createPasskeysStore(database),
    authFlows: createAuthFlowsStore(database),
    /** One usage flush (see ./store/flush.ts). */
    flush: createFlush(database),
  }
}
