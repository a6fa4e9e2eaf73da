import { Elysia } from 'elysia'
import { GatewayError } from '../../errors.ts'
import type { Relay } from '../relay.ts'
import { GeminiModel, GeminiModelList, ModelList, ModelObject, relayDoc } from '../schemas.ts'
import type { ClientAddress, ServerLike } from '../../net/client-address.ts'

const created = Math.floor(Date.now() / 1000)
const modelObject = (id: string) => ({ id, object: 'model' as const, created, owned_by: 'tollgate' })
const geminiModel = (id: string) => ({ name: `models/${id}`, baseModelId: id, displayName: id, supportedGenerationMethods: ['generateContent', 'streamGenerateContent'] })
const geminiModels = (models: string[]) => ({ models: models.map(geminiModel) })

/** A Gemini client (@google/genai sends x-goog-api-key; REST users ?key=) asks for the Gemini shape. */
const asksAsGemini = (request: Request) => request.headers.has('x-goog-api-key') || new URL(request.url).searchParams.has('key')

/** The models a key may use, in the dialect the client asks in: Claude SDKs send x-api-key + anthropic-version, Gemini a Google key. */
export function modelRoutes(relay: Relay, addressOf: ClientAddress) {
  function modelList(request: Request, path: string, server: ServerLike) {
    const models = relay.models(request, path, addressOf(request, server))
    const headers = request.headers
    if (headers.get('anthropic-version') || (headers.get('x-api-key') && !headers.get('authorization'))) {
      const data = models.map((id) => ({ type: 'model', id, display_name: id, created_at: new Date(created * 1000).toISOString() }))
      return { data, has_more: false, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null }
    }
    if (asksAsGemini(request)) return geminiModels(models)
    return { object: 'list' as const, data: models.map(modelObject) }
  }

  function oneModel(request: Request, path: string, server: ServerLike, name: string, gemini: boolean) {
    const model = decodeURIComponent(name).replace(/^models\//, '')
    if (!relay.models(request, path, addressOf(request, server)).includes(model)) {
      throw new GatewayError(404, `The model '${model}' does not exist or this key has no access to it`, 'model_not_found', 'invalid_request_error')
    }
    return gemini ? geminiModel(model) : modelObject(model)
  }

  return new Elysia({ name: 'tollgate.relay.models' })
    .get('/v1/models', ({ request, server, path }) => modelList(request, path, server), {
      detail: relayDoc('Models this key may use (Anthropic or Gemini shape when asked that way)', undefined, ModelList),
    })
    .get('/v1beta/models', ({ request, server, path }) => geminiModels(relay.models(request, path, addressOf(request, server))), {
      detail: relayDoc('Models this key may use, Gemini shape', undefined, GeminiModelList),
    })
    .get('/v1/models/:model', ({ request, server, params, path }) => oneModel(request, path, server, params.model, asksAsGemini(request)), {
      detail: relayDoc('One model (Gemini shape when asked with a Google key)', undefined, ModelObject),
    })
    .get('/v1beta/models/:model', ({ request, server, params, path }) => oneModel(request, path, server, params.model, true), {
      detail: relayDoc('One model, Gemini shape', undefined, GeminiModel),
    })
}
