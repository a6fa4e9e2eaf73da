import { Elysia } from 'elysia'
import type { Caches } from '../../cache/index.ts'
import { findTiers, type CachedChannel } from '../../cache/routing.ts'
import type { ChannelClient } from '../../channels/channel-client.ts'
import { hasBaseUrl, pickKey } from '../../channels/channel-requests.ts'
import { GatewayError } from '../../errors.ts'
import { providerForChannelType } from '../../providers/index.ts'
import type { CountTokensCapability, Provider, WireFormat } from '../../providers/types.ts'
import { parseJsonObject, type RouteInput } from '../endpoint.ts'
import { readCanonical } from '../exchanges/chat-exchange.ts'
import type { Relay } from '../relay.ts'
import { AnthropicCountTokensRequest, AnthropicCountTokensResponse, relayDoc } from '../schemas.ts'
import type { TokenCounter } from '../token-counter.ts'
import type { ClientAddress } from '../../net/client-address.ts'

/** An upstream count gives up after this long and the prompt is counted here instead. */
const UPSTREAM_COUNT_TIMEOUT_MS = 10_000

export type CountTokens = ReturnType<typeof createCountTokens>

/**
 * Token counting for clients that ask before they send: Anthropic's `POST /v1/messages/count_tokens` (the SDK's
 * `messages.countTokens`, which Claude Code calls before its requests) and Gemini's `:countTokens` (`models.countTokens`).
 * Asked of the model's first channel whose provider counts that format itself, since only the provider knows its
 * tokenizer; otherwise, or when that call fails, counted locally in the worker pool. Never billed, never logged.
 */
export function createCountTokens(dependencies: { relay: Relay; caches: Caches; channels: ChannelClient; counter: TokenCounter }) {
  const { relay, caches, channels, counter } = dependencies

  /** The first channel, in priority order, whose provider counts bodies of `format` itself. */
  function countingChannel(group: string, model: string, format: WireFormat): { channel: CachedChannel; provider: Provider; capability: CountTokensCapability } | undefined {
    for (const tier of findTiers(caches.routing, group, model) ?? []) {
      for (const channel of tier.channels) {
        const provider = providerForChannelType(channel.type)
        if (provider?.countTokens?.format === format && hasBaseUrl(channel, provider)) return { channel, provider, capability: provider.countTokens }
      }
    }
    return undefined
  }

  async function upstreamCount(counting: { channel: CachedChannel; provider: Provider; capability: CountTokensCapability }, body: Record<string, unknown>, model: string): Promise<number | undefined> {
    const { channel, provider, capability } = counting
    const keyIndex = pickKey(channel)
    if (keyIndex < 0) return undefined
    const target = channels.requests.target(channel, keyIndex, provider, channel.modelMapping[model] ?? model, false)
    try {
      const response = await channels.send(channel, channels.requests.capability(channel, capability.request(body, target), target.key), { timeoutMs: UPSTREAM_COUNT_TIMEOUT_MS })
      const text = await response.text()
      return response.ok ? capability.parse(JSON.parse(text)) : undefined
    } catch {
      return undefined
    }
  }

  /** The count of one request: validated like the relay would (so a count never passes what a send refuses). */
  async function count(request: Request, route: RouteInput, format: 'anthropic' | 'gemini', body: Record<string, unknown>, model: string): Promise<number> {
    const canonical = readCanonical(format, body)
    const caller = relay.authenticate(request, route.path, route.clientAddress)
    if (!model) throw new GatewayError(400, '"model" is required', 'invalid_request')
    if (caller.modelLimits && !caller.modelLimits.has(model)) throw new GatewayError(403, `This token has no access to model ${model}`, '')
    const counting = countingChannel(caller.group, model, format)
    const upstream = counting ? await upstreamCount(counting, body, model) : undefined
    return upstream ?? (await counter.countChatPromptTokens(model, { ...canonical, model })).tokens
  }

  return {
    async anthropic(request: Request, route: RouteInput) {
      const body = parseJsonObject(await request.text())
      return { input_tokens: await count(request, route, 'anthropic', body, typeof body.model === 'string' ? body.model.trim() : '') }
    },
    /** `{model}:countTokens`; the body is `{contents…}` or `{generateContentRequest: {…}}`. */
    async gemini(request: Request, route: RouteInput, model: string): Promise<Response> {
      const body = parseJsonObject(await request.text())
      const content = typeof body.generateContentRequest === 'object' && body.generateContentRequest !== null ? body.generateContentRequest as Record<string, unknown> : body
      return Response.json({ totalTokens: await count(request, route, 'gemini', content, model) })
    },
  }
}

export function countTokensRoutes(countTokens: CountTokens, addressOf: ClientAddress) {
  return new Elysia({ name: 'tollgate.relay.count-tokens' })
    .post('/v1/messages/count_tokens', ({ request, server, path }) => countTokens.anthropic(request, { path, clientAddress: addressOf(request, server) }), {
      parse: 'none', detail: relayDoc('Count the input tokens of an Anthropic Messages request (not billed)', AnthropicCountTokensRequest, AnthropicCountTokensResponse),
    })
}
