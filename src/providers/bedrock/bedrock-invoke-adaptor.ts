import { anthropicAdaptor } from '../anthropic/anthropic-adaptor.ts'
import type { ProviderAdaptor, UpstreamRequest, UpstreamTarget } from '../types.ts'
import { mapBedrockError } from './bedrock-error.ts'
import { bedrockModelId } from './bedrock-model-id.ts'
import { signedBedrockPost } from './bedrock-request.ts'
import { parseBedrockKey } from './convert-to-bedrock-messages.ts'

/** Claude on Bedrock takes the Messages body with this version in it, instead of Anthropic's header. */
export const bedrockAnthropicVersion = 'bedrock-2023-05-31'

/** Beta flags from the channel (`setting.anthropicBeta`, comma-separated as Anthropic's header) and the Claude client's `anthropic-beta`, once each. */
function betaFlags(target: UpstreamTarget, body: Record<string, unknown>): string[] {
  const flags = new Set<string>(Array.isArray(body.anthropic_beta) ? body.anthropic_beta.filter((flag): flag is string => typeof flag === 'string') : [])
  for (const header of [target.setting.anthropicBeta, target.anthropicBeta]) {
    if (typeof header !== 'string') continue
    for (const flag of header.split(',')) if (flag.trim().length > 0) flags.add(flag.trim())
  }
  return [...flags]
}

/**
 * InvokeModel / InvokeModelWithResponseStream for Claude: the Anthropic Messages body (without `model`, named in
 * the path, and `stream`, named by the action) plus `anthropic_version`, and Anthropic's beta header as the
 * `anthropic_beta` body field, which is how Bedrock takes it. SigV4 covers the final body.
 */
export function buildBedrockInvokeRequest(native: Record<string, unknown>, target: UpstreamTarget): UpstreamRequest {
  const { model: _model, stream: _stream, anthropic_version: _version, anthropic_beta: _beta, ...rest } = native
  const body: Record<string, unknown> = { anthropic_version: bedrockAnthropicVersion, ...rest }
  const betas = betaFlags(target, native)
  if (betas.length > 0) body.anthropic_beta = betas
  const modelId = bedrockModelId(target.model, parseBedrockKey(target.key).region, target.setting)
  const path = `/model/${encodeURIComponent(modelId)}/${target.stream ? 'invoke-with-response-stream' : 'invoke'}`
  return signedBedrockPost(target, 'bedrock-runtime', path, JSON.stringify(body), target.stream ? 'application/vnd.amazon.eventstream' : 'application/json')
}

/**
 * Claude models on Bedrock through InvokeModel rather than Converse: Anthropic's own request and answer shapes,
 * so a Claude client's body passes natively (cache_control, thinking, betas, documents — what Converse cannot
 * express) and every other client converts through the Anthropic adaptor. Answers and errors are Bedrock's
 * framing around Anthropic's content: eventstream `chunk`s (see bedrock-invoke-stream.ts) and Bedrock exceptions.
 */
export const bedrockInvokeAdaptor: ProviderAdaptor = {
  ...anthropicAdaptor,
  id: 'bedrock-anthropic',
  streamFraming: 'bedrock-invoke',
  reshapesNativeBody: true,
  buildRequest: buildBedrockInvokeRequest,
  mapError: mapBedrockError,
}
