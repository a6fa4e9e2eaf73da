import { Elysia } from 'elysia'
import type { Ledger } from '../billing/ledger.ts'
import type { Caches } from '../cache/index.ts'
import type { ChannelClient } from '../channels/channel-client.ts'
import type { ClientAddress } from '../net/client-address.ts'
import { createCountTokens } from './endpoints/count-tokens.ts'
import { geminiMethod } from './endpoints/gemini.ts'
import { billingCompatRoutes, countTokensRoutes, modelRoutes, relayEndpointRoutes } from './endpoints/index.ts'
import type { TokenCounter } from './token-counter.ts'
import type { Relay } from './relay.ts'

/**
 * The relay's HTTP surface: every endpoint's POST routes (the descriptor is bound here, once, not looked up per
 * request), the model lists, the legacy billing endpoints and token counting.
 */
export function relayRoutes(dependencies: { relay: Relay; caches: Caches; ledger: Ledger; channels: ChannelClient; counter: TokenCounter; addressOf: ClientAddress }) {
  const { relay, addressOf } = dependencies
  const countTokens = createCountTokens(dependencies)
  let app = new Elysia({ name: 'tollgate.relay' })
  // Handlers name only the context fields they use: Elysia reads a handler's parameters to decide what to compute.
  for (const route of relayEndpointRoutes) {
    const { endpoint, actions } = route
    app = actions
      ? app.post(route.path, async ({ request, server, path, params }) => {
          const input = { path, clientAddress: addressOf(request, server), params: params as Record<string, string> }
          const { model, method } = geminiMethod(input)
          const chosen = actions[method] ?? endpoint
          return chosen === 'count-tokens' ? countTokens.gemini(request, input, model) : relay.serve(request, chosen, input)
        }, { parse: 'none', detail: route.detail })
      : app.post(route.path, ({ request, server, path }) => relay.serve(request, endpoint, { path, clientAddress: addressOf(request, server) }), { parse: 'none', detail: route.detail })
  }
  return app.use(modelRoutes(relay, addressOf)).use(billingCompatRoutes(dependencies)).use(countTokensRoutes(countTokens, addressOf))
}
