import { Elysia } from 'elysia'
import type { Ledger } from '../billing/ledger.ts'
import type { Caches } from '../cache/index.ts'
import type { ChannelClient } from '../channels/channel-client.ts'
import { addressOf } from './endpoints/address.ts'
import { createCountTokens } from './endpoints/count-tokens.ts'
import { geminiMethod } from './endpoints/gemini.ts'
import { billingCompatRoutes, countTokensRoutes, modelRoutes, relayEndpointRoutes } from './endpoints/index.ts'
import type { TokenCounter } from './token-counter.ts'
import type { Relay } from './relay.ts'

/**
 * The relay's HTTP surface: every endpoint's POST routes (the descriptor is bound here, once, not looked up per
 * request), the model lists, the legacy billing endpoints and token counting.
 */
export function relayRoutes(dependencies: { relay: Relay; caches: Caches; ledger: Ledger; channels: ChannelClient; counter: TokenCounter }) {
  const { relay } = dependencies
  const countTokens = createCountTokens(dependencies)
  let app = new Elysia({ name: 'tollgate.relay' })
  for (const { path, endpoint, detail, actions } of relayEndpointRoutes) {
    app = actions
      ? app.post(path, async ({ request, server, path: matched, params }) => {
          const route = { path: matched, clientAddress: addressOf(request, server), params: params as Record<string, string> }
          const chosen = actions[geminiMethod(route).method] ?? endpoint
          return chosen === 'count-tokens' ? countTokens.gemini(request, route, geminiMethod(route).model) : relay.serve(request, chosen, route)
        }, { parse: 'none', detail })
      : app.post(path, ({ request, server, path: matched, params }) =>
          relay.serve(request, endpoint, { path: matched, clientAddress: addressOf(request, server), params: params as Record<string, string> }), { parse: 'none', detail })
  }
  return app.use(modelRoutes(relay)).use(billingCompatRoutes(dependencies)).use(countTokensRoutes(countTokens))
}
