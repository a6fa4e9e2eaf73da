import type { ModelListCapability } from '../types.ts'
import { joinUrl } from '../url.ts'

/** `GET /v1beta/models` → `models[].name` without its `models/` prefix. */
export const geminiModelList: ModelListCapability = {
  request: (target) => ({ method: 'GET', url: joinUrl(target.baseUrl, '/v1beta/models?pageSize=1000'), headers: { 'x-goog-api-key': target.key } }),
  parse: (body) => ((body.models as { name: string }[] | undefined) ?? []).map((model) => model.name.replace(/^models\//, '')),
}
