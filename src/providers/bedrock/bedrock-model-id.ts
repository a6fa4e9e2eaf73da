/**
 * The model id a Bedrock request names in its path. Two steps, as new-api takes them:
 *
 * 1. Claude names as Anthropic spells them (what Claude clients and most price tables use) become Bedrock's
 *    foundation-model ids, so a channel can list `claude-sonnet-4-5-20250929` without a model_mapping.
 * 2. Models that AWS serves through a system-defined cross-Region inference profile in the key's geography get the
 *    profile prefix (`us.`, `eu.`, `apac.`): newer Claude models cannot be invoked on demand by their bare id at
 *    all, and a profile spreads load over the geography's regions. An id that already names a profile or an ARN is
 *    left alone, and `setting.bedrock_cross_region: false` turns the prefixing off for a channel whose account
 *    uses only in-region models.
 */

/** Anthropic's model names → Bedrock foundation-model ids (AWS's "Supported foundation models" page). */
const claudeModelIds: Record<string, string> = {
  'claude-instant-1.2': 'anthropic.claude-instant-v1',
  'claude-2.0': 'anthropic.claude-v2',
  'claude-2.1': 'anthropic.claude-v2:1',
  'claude-3-sonnet-20240229': 'anthropic.claude-3-sonnet-20240229-v1:0',
  'claude-3-opus-20240229': 'anthropic.claude-3-opus-20240229-v1:0',
  'claude-3-haiku-20240307': 'anthropic.claude-3-haiku-20240307-v1:0',
  'claude-3-5-sonnet-20240620': 'anthropic.claude-3-5-sonnet-20240620-v1:0',
  'claude-3-5-sonnet-20241022': 'anthropic.claude-3-5-sonnet-20241022-v2:0',
  'claude-3-5-haiku-20241022': 'anthropic.claude-3-5-haiku-20241022-v1:0',
  'claude-3-7-sonnet-20250219': 'anthropic.claude-3-7-sonnet-20250219-v1:0',
  'claude-sonnet-4-20250514': 'anthropic.claude-sonnet-4-20250514-v1:0',
  'claude-opus-4-20250514': 'anthropic.claude-opus-4-20250514-v1:0',
  'claude-opus-4-1-20250805': 'anthropic.claude-opus-4-1-20250805-v1:0',
  'claude-sonnet-4-5-20250929': 'anthropic.claude-sonnet-4-5-20250929-v1:0',
  'claude-haiku-4-5-20251001': 'anthropic.claude-haiku-4-5-20251001-v1:0',
}

type Geography = 'us' | 'eu' | 'apac'
const usEuApac: readonly Geography[] = ['us', 'eu', 'apac']
const usOnly: readonly Geography[] = ['us']

/** Foundation-model id → the geographies with a cross-Region inference profile for it (AWS's "Supported Regions and models for inference profiles"). */
const crossRegionGeographies: Record<string, readonly Geography[]> = {
  'anthropic.claude-3-sonnet-20240229-v1:0': usEuApac,
  'anthropic.claude-3-opus-20240229-v1:0': usOnly,
  'anthropic.claude-3-haiku-20240307-v1:0': usEuApac,
  'anthropic.claude-3-5-sonnet-20240620-v1:0': usEuApac,
  'anthropic.claude-3-5-sonnet-20241022-v2:0': ['us', 'apac'],
  'anthropic.claude-3-5-haiku-20241022-v1:0': usOnly,
  'anthropic.claude-3-7-sonnet-20250219-v1:0': usEuApac,
  'anthropic.claude-sonnet-4-20250514-v1:0': usEuApac,
  'anthropic.claude-opus-4-20250514-v1:0': usOnly,
  'anthropic.claude-opus-4-1-20250805-v1:0': usOnly,
  'anthropic.claude-sonnet-4-5-20250929-v1:0': usEuApac,
  'anthropic.claude-haiku-4-5-20251001-v1:0': usEuApac,
  'amazon.nova-micro-v1:0': usEuApac,
  'amazon.nova-lite-v1:0': usEuApac,
  'amazon.nova-pro-v1:0': usEuApac,
  'amazon.nova-premier-v1:0': usOnly,
  'meta.llama3-2-1b-instruct-v1:0': usOnly,
  'meta.llama3-2-3b-instruct-v1:0': usOnly,
  'meta.llama3-2-11b-instruct-v1:0': usOnly,
  'meta.llama3-2-90b-instruct-v1:0': usOnly,
  'meta.llama3-3-70b-instruct-v1:0': usOnly,
  'deepseek.r1-v1:0': usOnly,
}

/** A profile prefix AWS defines (`us.`, `eu.`, `apac.`, `jp.`, `au.`, `ca.`, `us-gov.`, `global.`) or an ARN (an application inference profile, a provisioned model). */
const alreadyProfile = /^(?:(?:us|eu|apac|jp|au|ca|us-gov|global)\.|arn:)/

/** The geography of an AWS region name (`us-east-1` → us, `eu-west-3` → eu, `ap-northeast-1` → apac); GovCloud and others have none. */
function geographyOf(region: string): Geography | undefined {
  if (region.startsWith('us-gov-')) return undefined
  if (region.startsWith('us-')) return 'us'
  if (region.startsWith('eu-')) return 'eu'
  if (region.startsWith('ap-')) return 'apac'
  return undefined
}

/** The id to put in the request path for `model` (after model_mapping) from a key in `region`. */
export function bedrockModelId(model: string, region: string, setting: Record<string, unknown>): string {
  const id = claudeModelIds[model] ?? model
  if (setting.bedrock_cross_region === false || alreadyProfile.test(id)) return id
  const geography = geographyOf(region)
  return geography !== undefined && crossRegionGeographies[id]?.includes(geography) ? `${geography}.${id}` : id
}

/** Claude models (by Anthropic's name, Bedrock's id or an inference profile of it) speak Anthropic's Messages API through InvokeModel. */
export const isBedrockClaude = (model: string): boolean => model.startsWith('claude-') || /(?:^|\.)anthropic\.claude/.test(model) || (model.startsWith('arn:') && model.includes('anthropic.claude'))
