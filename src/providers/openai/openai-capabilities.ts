import type { BalanceCapability, ModelListCapability, OpenAiEndpointsCapability, OpenAiMediaPath, UpstreamTarget } from '../types.ts'
import { joinUrl } from '../url.ts'

const bearer = (target: UpstreamTarget) => ({ authorization: `Bearer ${target.key}` })

/** OpenAI's own paths under the base URL, with a bearer key: OpenAI and every vendor that copies its API. */
export const openAiEndpoints: OpenAiEndpointsCapability = {
  url: (path, target) => joinUrl(target.baseUrl, path),
  authHeaders: bearer,
}

/** `GET /v1/models` → `data[].id`. */
export const openAiModelList: ModelListCapability = {
  request: (target) => ({ method: 'GET', url: joinUrl(target.baseUrl, '/v1/models'), headers: bearer(target) }),
  parse: (body) => ((body.data as { id: string }[] | undefined) ?? []).map((model) => model.id),
}

/** The legacy dashboard billing pair OpenAI resellers still serve: hard limit minus usage (cents). */
export const openAiDashboardBalance: BalanceCapability = {
  requests: (target) => [
    { method: 'GET', url: joinUrl(target.baseUrl, '/v1/dashboard/billing/subscription'), headers: bearer(target) },
    { method: 'GET', url: joinUrl(target.baseUrl, '/v1/dashboard/billing/usage'), headers: bearer(target) },
  ],
  parse: ([subscription, usage]) => Number(subscription?.hard_limit_usd ?? 0) - Number(usage?.total_usage ?? 0) / 100,
}

/** Every OpenAI image route (OpenAI itself, and relays that copy its whole API). */
export const openAiImagePaths: ReadonlySet<OpenAiMediaPath> = new Set(['/v1/images/generations', '/v1/images/edits', '/v1/images/variations'])

/** Image generation only (vendors whose image API has no edits or variations, e.g. xAI). */
export const imageGenerationPath: ReadonlySet<OpenAiMediaPath> = new Set(['/v1/images/generations'])

/** Every OpenAI audio route: speech, transcriptions and translations (OpenAI, Azure deployments, full relays). */
export const openAiAudioPaths: ReadonlySet<OpenAiMediaPath> = new Set(['/v1/audio/speech', '/v1/audio/transcriptions', '/v1/audio/translations'])

/** The media paths a provider serves, from the sets of each kind (images, audio). */
export const mediaPaths = (...sets: ReadonlySet<OpenAiMediaPath>[]): ReadonlySet<OpenAiMediaPath> => new Set(sets.flatMap((set) => [...set]))
