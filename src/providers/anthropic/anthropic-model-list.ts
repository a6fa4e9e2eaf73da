import type { ModelListCapability } from '../types.ts'
import { joinUrl } from '../url.ts'
import { anthropicVersion } from './anthropic-adaptor.ts'

/** `GET /v1/models` with the Messages API's headers → `data[].id`. */
export const anthropicModelList: ModelListCapability = {
  request: (target) => ({ method: 'GET', url: joinUrl(target.baseUrl, '/v1/models?limit=1000'), headers: { 'x-api-key': target.key, 'anthropic-version': anthropicVersion } }),
  parse: (body) => ((body.data as { id: string }[] | undefined) ?? []).map((model) => model.id),
}
