import type { RelayRoute } from '../endpoint.ts'
import { audioRoutes } from './audio.ts'
import { chatRoutes } from './chat.ts'
import { completionsRoutes } from './completions.ts'
import { embeddingsRoutes } from './embeddings.ts'
import { geminiRoutes } from './gemini.ts'
import { imagesRoutes } from './images.ts'
import { messagesRoutes } from './messages.ts'
import { moderationsRoutes } from './moderations.ts'
import { rerankRoutes } from './rerank.ts'
import { responsesRoutes } from './responses.ts'

export { billingCompatRoutes } from './billing-compat.ts'
export { countTokensRoutes } from './count-tokens.ts'
export { modelRoutes } from './models.ts'

/**
 * Every relay endpoint's POST routes. A new endpoint is a file in this folder (an `Endpoint` descriptor and its
 * routes) and one entry here; the pipeline in relay.ts does not change for it.
 */
export const relayEndpointRoutes: RelayRoute[] = [
  ...chatRoutes,
  ...completionsRoutes,
  ...embeddingsRoutes,
  ...moderationsRoutes,
  ...messagesRoutes,
  ...responsesRoutes,
  ...geminiRoutes,
  ...audioRoutes,
  ...imagesRoutes,
  ...rerankRoutes,
]
