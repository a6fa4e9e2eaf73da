import type { ModelListCapability } from '../types.ts'
import { joinUrl } from '../url.ts'

/** Cohere's `GET /v1/models` → `models[].name`. */
export const cohereModelList: ModelListCapability = {
  request: (target) => ({ method: 'GET', url: joinUrl(target.baseUrl, '/v1/models?page_size=1000'), headers: { authorization: `Bearer ${target.key}` } }),
  parse: (body) => ((body.models as { name: string }[] | undefined) ?? []).map((model) => model.name),
}
