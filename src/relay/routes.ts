import { Elysia } from 'elysia'
import type { Ledger } from '../billing/ledger.ts'
import type { Caches } from '../cache/index.ts'
import { addressOf } from './endpoints/address.ts'
import { billingCompatRoutes, modelRoutes, relayEndpointRoutes } from './endpoints/index.ts'
import type { Relay } from './relay.ts'

/**
 * The relay's HTTP surface: every endpoint's POST routes (the descriptor is bound here, once, not looked up per
 * request), the model lists and the legacy billing endpoints.
 */
export function relayRoutes(dependencies: { relay: Relay; caches: Caches; ledger: Ledger }) {
  const { relay } = dependencies
  let app = new Elysia({ name: 'tollgate.relay' })
  for (const { path, endpoint, detail } of relayEndpointRoutes) {
    app = app.post(path, ({ request, server, path: matched, params }) =>
      relay.serve(request, endpoint, { path: matched, clientAddress: addressOf(request, server), params: params as Record<string, string> }), { parse: 'none', detail })
  }
  return app.use(modelRoutes(relay)).use(billingCompatRoutes(dependencies))
}
