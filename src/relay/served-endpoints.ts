import { providerForChannelType } from '../providers/index.ts'
import { videoChannelTypes } from '../tasks/video/video-adaptor.ts'
import { relayEndpointRoutes } from './endpoints/index.ts'

/**
 * What a channel type serves, read from the relay's own endpoint descriptors (`Endpoint.serves`, the check routing
 * makes) and the realtime and task capabilities, so the list the console and the README show cannot drift from
 * what a request would find. Chat covers every client format (OpenAI, Anthropic, Gemini, Responses).
 */
const routeNames: Readonly<Record<string, string>> = {
  '/v1/chat/completions': 'chat', '/v1/completions': 'completions', '/v1/embeddings': 'embeddings', '/v1/moderations': 'moderations',
  '/v1/images/generations': 'images', '/v1/images/edits': 'image edits', '/v1/images/variations': 'image variations',
  '/v1/audio/speech': 'speech', '/v1/audio/transcriptions': 'transcriptions', '/v1/audio/translations': 'translations', '/v1/rerank': 'rerank',
}

function computeServed(type: number): string[] {
  const provider = providerForChannelType(type)
  if (!provider) return []
  const served = new Set<string>()
  for (const route of relayEndpointRoutes) {
    const name = routeNames[route.path]
    if (name && route.endpoint.serves(provider)) served.add(name)
  }
  if (provider.realtime) served.add('realtime')
  if (provider.taskPlatform === 'mj') served.add('midjourney')
  if (provider.taskPlatform === 'suno') served.add('suno')
  if ((videoChannelTypes as readonly number[]).includes(type)) served.add('videos')
  return [...served]
}

const servedByType = new Map<number, string[]>()

/** The endpoints a channel of `type` serves (computed once per type). */
export function servedEndpoints(type: number): string[] {
  let served = servedByType.get(type)
  if (!served) servedByType.set(type, served = computeServed(type))
  return served
}
