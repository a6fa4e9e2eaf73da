/**
 * new-api's channel type enum (constant/channel.go, new-api-compat.md §4) as the gateway knows it: the one table the
 * management API validates against and the console's channel form is guided by. What the relay can actually do
 * with a type (its adaptor, its default base URL) is not repeated here; `channelTypeCatalog()` asks the provider
 * registry, so a type is offered only once an adaptor exists.
 */
import { defaultBaseUrl, isChannelTypeSupported, providerForChannelType } from './index.ts'

/** A text shown to the operator, in the console's two languages. */
export interface LocalText {
  en: string
  zh: string
}

/** One channel type: what new-api calls it and what an operator must know to fill in a channel of it. */
export interface ChannelTypeDefinition {
  type: number
  /** new-api's enum name (`Azure`, `Gemini`…), kept for compatibility with its scripts and logs. */
  name: string
  /** What the console shows (`Azure OpenAI`, `Google Gemini`…). */
  label: string
  keyHint?: LocalText
  /** The key is one JSON document per key (Vertex service accounts, Codex), not a line of text. */
  keyIsJson?: boolean
  /** What the channel's `other` field means for this type; absent: the field has no meaning. */
  otherLabel?: LocalText
  otherHint?: LocalText
  otherRequired?: boolean
  /** There is no single upstream address: the operator must supply one. */
  baseUrlRequired?: boolean
  /** What the base URL looks like when the default is not one fixed address (Vertex AI: a host per region). */
  baseUrlHint?: LocalText
  /** false: task-style providers (Midjourney, Suno, video) that a chat test cannot exercise. */
  testable?: boolean
  /** Model names offered to prefill the form (GET /api/models). */
  defaultModels?: string[]
}

const pipeKey = (parts: string): LocalText => ({ en: `Key format: ${parts}`, zh: `密钥格式：${parts}` })

export const channelTypeDefinitions: readonly ChannelTypeDefinition[] = [
  {
    type: 1, name: 'OpenAI', label: 'OpenAI', keyHint: { en: 'sk-… (one per line for several keys)', zh: 'sk-…（多个密钥每行一个）' },
    defaultModels: ['gpt-5.1', 'gpt-5', 'gpt-5-mini', 'gpt-5-nano', 'gpt-4.1', 'gpt-4.1-mini', 'gpt-4.1-nano', 'gpt-4o', 'gpt-4o-mini', 'o3', 'o4-mini', 'text-embedding-3-small', 'text-embedding-3-large', 'omni-moderation-latest', 'gpt-image-1', 'dall-e-3', 'whisper-1', 'gpt-4o-transcribe', 'tts-1', 'gpt-4o-mini-tts', 'gpt-realtime'],
  },
  { type: 2, name: 'Midjourney', label: 'Midjourney Proxy', keyHint: { en: 'mj-api-secret of the proxy', zh: '代理的 mj-api-secret' }, baseUrlRequired: true, testable: false, defaultModels: ['mj_imagine', 'mj_variation', 'mj_reroll', 'mj_upscale', 'mj_describe', 'mj_blend', 'mj_modal', 'mj_zoom', 'mj_shorten', 'mj_high_variation', 'mj_low_variation', 'mj_pan', 'mj_inpaint', 'mj_custom_zoom', 'mj_upload', 'mj_video', 'mj_edits', 'swap_face'] },
  {
    type: 3, name: 'Azure', label: 'Azure OpenAI', baseUrlRequired: true,
    keyHint: { en: 'Azure resource key', zh: 'Azure 资源密钥' },
    otherLabel: { en: 'API version', zh: 'API 版本' },
    otherHint: { en: 'e.g. 2024-10-21; base URL is https://<resource>.openai.azure.com', zh: '例如 2024-10-21；地址为 https://<resource>.openai.azure.com' },
    defaultModels: ['gpt-4o', 'gpt-4o-mini', 'gpt-4.1', 'gpt-5'],
  },
  {
    type: 4, name: 'Ollama', label: 'Ollama', keyHint: { en: 'Any text if the server has no auth (sent as a Bearer token for a proxy in front of it)', zh: '无鉴权时可填任意值（作为 Bearer 令牌发给前置代理）' },
    baseUrlHint: { en: 'The Ollama server, default http://localhost:11434', zh: 'Ollama 服务地址，默认 http://localhost:11434' },
  },
  { type: 5, name: 'MidjourneyPlus', label: 'Midjourney Plus', keyHint: { en: 'mj-api-secret of the proxy', zh: '代理的 mj-api-secret' }, baseUrlRequired: true, testable: false, defaultModels: ['mj_imagine', 'mj_variation', 'mj_reroll', 'mj_upscale', 'mj_describe', 'mj_blend', 'mj_modal', 'mj_zoom', 'mj_shorten', 'mj_high_variation', 'mj_low_variation', 'mj_pan', 'mj_inpaint', 'mj_custom_zoom', 'mj_upload', 'mj_video', 'mj_edits', 'swap_face'] },
  { type: 6, name: 'OpenAIMax', label: 'OpenAI Max' },
  { type: 7, name: 'OhMyGPT', label: 'OhMyGPT' },
  { type: 8, name: 'Custom', label: 'Custom (OpenAI-compatible)', baseUrlRequired: true, keyHint: { en: 'Bearer key of the upstream', zh: '上游的 Bearer 密钥' } },
  { type: 9, name: 'AILS', label: 'AILS' },
  { type: 10, name: 'AIProxy', label: 'AIProxy' },
  { type: 11, name: 'PaLM', label: 'PaLM' },
  { type: 12, name: 'API2GPT', label: 'API2GPT' },
  { type: 13, name: 'AIGC2D', label: 'AIGC2D' },
  {
    type: 14, name: 'Anthropic', label: 'Anthropic', keyHint: { en: 'sk-ant-…', zh: 'sk-ant-…' },
    defaultModels: ['claude-opus-4-5', 'claude-opus-4-1', 'claude-sonnet-4-5', 'claude-sonnet-4-6', 'claude-haiku-4-5', 'claude-sonnet-4-20250514', 'claude-3-7-sonnet-20250219', 'claude-3-5-haiku-20241022'],
  },
  {
    type: 15, name: 'Baidu', label: 'Baidu ERNIE (legacy)',
    keyHint: { en: 'APIKey|SecretKey of the Qianfan application (exchanged for an access token)', zh: '千帆应用的 APIKey|SecretKey（用于换取 access token）' },
    baseUrlHint: { en: 'Leave empty for https://aip.baidubce.com (chat and token exchange); set only to go through a proxy', zh: '留空即 https://aip.baidubce.com（对话与换取令牌）；仅在经代理访问时填写' },
  },
  {
    type: 16, name: 'Zhipu', label: 'Zhipu GLM (legacy v3)',
    keyHint: { en: 'API key as Zhipu shows it: id.secret (signed into a JWT per request)', zh: '智谱控制台的 API Key：id.secret（用于签发 JWT）' },
    baseUrlHint: { en: 'Leave empty for https://open.bigmodel.cn (/api/paas/v3/model-api/…); set only to go through a proxy', zh: '留空即 https://open.bigmodel.cn（/api/paas/v3/model-api/…）；仅在经代理访问时填写' },
  },
  {
    type: 17, name: 'Ali', label: 'Ali (DashScope)',
    otherLabel: { en: 'Plugin parameter', zh: '插件参数' },
    otherHint: { en: 'X-DashScope-Plugin header value, optional', zh: 'X-DashScope-Plugin 请求头的值，可选' },
    defaultModels: ['qwen3-max', 'qwen-max', 'qwen-plus', 'qwen-turbo', 'qwen-flash', 'qwen3-coder-plus', 'qwen3-235b-a22b', 'text-embedding-v4', 'wanx2.1-t2i-turbo', 'wanx2.1-t2i-plus'],
  },
  {
    type: 18, name: 'Xunfei', label: 'Xunfei Spark', keyHint: pipeKey('APPID|APISecret|APIKey'),
    otherLabel: { en: 'Model version', zh: '模型版本' },
    otherHint: { en: 'v1.1 (Lite), v2.1, v3.1 (Pro), v3.5 (Max, default), pro-128k, max-32k or v4.0 (4.0 Ultra)', zh: 'v1.1（Lite）、v2.1、v3.1（Pro）、v3.5（Max，默认）、pro-128k、max-32k 或 v4.0（4.0 Ultra）' },
    baseUrlHint: { en: 'https://spark-api.xf-yun.com by default (called as wss://)', zh: '默认 https://spark-api.xf-yun.com（以 wss:// 连接）' },
  },
  { type: 19, name: '360', label: '360' },
  { type: 20, name: 'OpenRouter', label: 'OpenRouter', keyHint: { en: 'sk-or-…', zh: 'sk-or-…' }, defaultModels: ['openai/gpt-5', 'openai/gpt-4o-mini', 'anthropic/claude-sonnet-4.5', 'google/gemini-2.5-pro', 'google/gemini-2.5-flash'] },
  { type: 21, name: 'AIProxyLibrary', label: 'AIProxy Library', otherLabel: { en: 'Library ID', zh: '知识库 ID' } },
  { type: 22, name: 'FastGPT', label: 'FastGPT' },
  {
    type: 23, name: 'Tencent', label: 'Tencent Hunyuan',
    keyHint: { en: 'AppId|SecretId|SecretKey of a Tencent Cloud API key (requests are TC3-signed)', zh: '腾讯云 API 密钥的 AppId|SecretId|SecretKey（请求使用 TC3 签名）' },
    baseUrlHint: { en: 'Leave empty for https://hunyuan.tencentcloudapi.com; set only to go through a proxy', zh: '留空即 https://hunyuan.tencentcloudapi.com；仅在经代理访问时填写' },
    otherLabel: { en: 'Region (optional)', zh: '地域（可选）' }, otherHint: { en: 'X-TC-Region, e.g. ap-guangzhou', zh: 'X-TC-Region，例如 ap-guangzhou' },
  },
  {
    type: 24, name: 'Gemini', label: 'Google Gemini', keyHint: { en: 'AIza…', zh: 'AIza…' },
    otherLabel: { en: 'API version', zh: 'API 版本' }, otherHint: { en: 'v1beta by default', zh: '默认 v1beta' },
    defaultModels: ['gemini-3-pro-preview', 'gemini-2.5-pro', 'gemini-2.5-flash', 'gemini-2.5-flash-lite', 'gemini-2.0-flash', 'gemini-2.0-flash-lite', 'gemini-embedding-001', 'gemini-2.5-flash-image', 'imagen-4.0-generate-001'],
  },
  { type: 25, name: 'Moonshot', label: 'Moonshot', defaultModels: ['kimi-k2-thinking', 'kimi-k2-0905-preview', 'moonshot-v1-8k', 'moonshot-v1-32k', 'moonshot-v1-128k'] },
  { type: 26, name: 'ZhipuV4', label: 'Zhipu V4', defaultModels: ['glm-4.6', 'glm-4.5', 'glm-4.5-air', 'glm-4.5-flash', 'glm-4-plus', 'glm-4-flash'] },
  { type: 27, name: 'Perplexity', label: 'Perplexity', defaultModels: ['sonar', 'sonar-pro', 'sonar-reasoning', 'sonar-reasoning-pro', 'sonar-deep-research'] },
  { type: 31, name: 'LingYiWanWu', label: 'LingYiWanWu' },
  { type: 33, name: 'AWS', label: 'AWS Bedrock', keyHint: pipeKey('AccessKeyId|SecretAccessKey|Region'), defaultModels: ['anthropic.claude-sonnet-4-5', 'amazon.nova-pro-v1:0'] },
  { type: 34, name: 'Cohere', label: 'Cohere', defaultModels: ['command-a-03-2025', 'command-r-plus', 'embed-v4.0', 'rerank-v3.5'] },
  { type: 35, name: 'MiniMax', label: 'MiniMax', defaultModels: ['MiniMax-M2', 'MiniMax-M1', 'MiniMax-Text-01', 'abab6.5s-chat'] },
  { type: 36, name: 'SunoAPI', label: 'Suno API', baseUrlRequired: true, testable: false, defaultModels: ['suno_music', 'suno_lyrics'] },
  {
    type: 37, name: 'Dify', label: 'Dify',
    keyHint: { en: 'The app\'s API key (app-…), one app per key', zh: '应用的 API 密钥（app-…），每个密钥对应一个应用' },
    baseUrlHint: { en: 'https://api.dify.ai by default; a self-hosted Dify: its address without /v1', zh: '默认 https://api.dify.ai；自建 Dify 填其地址（不含 /v1）' },
  },
  { type: 38, name: 'Jina', label: 'Jina', defaultModels: ['jina-embeddings-v3', 'jina-reranker-v2-base-multilingual'] },
  {
    type: 39, name: 'Cloudflare', label: 'Cloudflare Workers AI', keyHint: { en: 'Cloudflare API token', zh: 'Cloudflare API 令牌' },
    otherLabel: { en: 'Account ID', zh: '账户 ID' }, otherRequired: true,
  },
  { type: 40, name: 'SiliconFlow', label: 'SiliconFlow', defaultModels: ['deepseek-ai/DeepSeek-V3', 'deepseek-ai/DeepSeek-R1', 'Qwen/Qwen3-8B', 'BAAI/bge-m3', 'BAAI/bge-reranker-v2-m3'] },
  {
    type: 41, name: 'VertexAI', label: 'Vertex AI', keyIsJson: true,
    keyHint: {
      en: 'Service-account JSON key as Google Cloud downloads it ({"type": "service_account", "project_id", "client_email", "private_key", …}; a JSON array for several keys), or a Vertex AI API key for express mode (Gemini models only)',
      zh: 'Google Cloud 下载的服务账号 JSON 密钥（{"type": "service_account", "project_id", "client_email", "private_key", …}；多个密钥用 JSON 数组），或快速模式的 Vertex AI API 密钥（仅 Gemini 模型）',
    },
    baseUrlHint: {
      en: 'Leave empty: https://{region}-aiplatform.googleapis.com per model region (https://aiplatform.googleapis.com for global). Set only to go through a proxy',
      zh: '留空：按模型区域使用 https://{region}-aiplatform.googleapis.com（global 为 https://aiplatform.googleapis.com）。仅在经代理访问时填写',
    },
    otherLabel: { en: 'Regions (JSON)', zh: '区域（JSON）' },
    otherHint: { en: '{"default": "us-central1", "claude-sonnet-4-5-20250929": "us-east5"}', zh: '{"default": "us-central1", "claude-sonnet-4-5-20250929": "us-east5"}' },
    defaultModels: ['gemini-2.5-pro', 'gemini-2.5-flash', 'gemini-3-pro-preview'],
  },
  { type: 42, name: 'Mistral', label: 'Mistral', defaultModels: ['mistral-large-latest', 'mistral-medium-latest', 'mistral-small-latest', 'magistral-medium-latest', 'codestral-latest', 'mistral-embed'] },
  { type: 43, name: 'DeepSeek', label: 'DeepSeek', defaultModels: ['deepseek-chat', 'deepseek-reasoner'] },
  { type: 44, name: 'MokaAI', label: 'MokaAI' },
  { type: 45, name: 'VolcEngine', label: 'VolcEngine', defaultModels: ['doubao-seed-1-6-250615', 'doubao-seed-1-6-thinking-250715', 'doubao-seed-1-6-flash-250828', 'doubao-1-5-pro-32k-250115', 'doubao-1-5-lite-32k-250115'] },
  { type: 46, name: 'BaiduV2', label: 'Baidu V2 (Qianfan)', defaultModels: ['ernie-4.5-turbo-128k', 'ernie-4.5-turbo-32k', 'ernie-x1-turbo-32k', 'ernie-speed-128k', 'ernie-lite-8k'] },
  { type: 47, name: 'Xinference', label: 'Xinference', baseUrlRequired: true },
  { type: 48, name: 'xAI', label: 'xAI', defaultModels: ['grok-4', 'grok-4-fast-reasoning', 'grok-4-fast-non-reasoning', 'grok-code-fast-1', 'grok-3', 'grok-3-mini'] },
  {
    type: 49, name: 'Coze', label: 'Coze',
    keyHint: { en: 'Personal access token (pat_…) with chat permission', zh: '具有对话权限的个人访问令牌（pat_…）' },
    baseUrlHint: { en: 'https://api.coze.com by default; https://api.coze.cn for Coze China', zh: '默认 https://api.coze.com；扣子国内版用 https://api.coze.cn' },
    otherLabel: { en: 'Bot ID', zh: 'Bot ID' },
    otherHint: { en: 'The bot\'s id, published to the API (the number in its URL)', zh: '已发布为 API 的 Bot ID（其链接中的数字）' },
    otherRequired: true,
  },
  { type: 50, name: 'Kling', label: 'Kling', keyHint: pipeKey('AccessKey|SecretKey'), testable: false },
  { type: 51, name: 'Jimeng', label: 'Jimeng', keyHint: pipeKey('AccessKey|SecretKey'), testable: false },
  { type: 52, name: 'Vidu', label: 'Vidu', testable: false },
  { type: 53, name: 'Submodel', label: 'Submodel' },
  { type: 54, name: 'DoubaoVideo', label: 'Doubao Video', testable: false },
  { type: 55, name: 'Sora', label: 'Sora' },
  {
    type: 56, name: 'Replicate', label: 'Replicate', keyHint: { en: 'API token r8_…', zh: 'API 令牌 r8_…' },
    defaultModels: ['meta/meta-llama-3-70b-instruct', 'meta/meta-llama-3-8b-instruct', 'deepseek-ai/deepseek-r1', 'black-forest-labs/flux-schnell', 'black-forest-labs/flux-1.1-pro'],
  },
  {
    type: 57, name: 'Codex', label: 'ChatGPT Subscription (Codex)', keyIsJson: true,
    keyHint: { en: '{"access_token": "…", "account_id": "…"}', zh: '{"access_token": "…", "account_id": "…"}' },
  },
  { type: 58, name: 'AdvancedCustom', label: 'Advanced Custom', baseUrlRequired: true },
  { type: 59, name: 'Sub2API', label: 'Sub2API', baseUrlRequired: true },
  { type: 60, name: 'NewAPI', label: 'New API', baseUrlRequired: true, keyHint: { en: 'Token of the other instance (sk-…)', zh: '另一实例的令牌（sk-…）' } },
]

const definitionsByType = new Map(channelTypeDefinitions.map((definition) => [definition.type, definition]))

/** The definition of a new-api channel type, or undefined for a number new-api does not know. */
export function channelTypeDefinition(type: number): ChannelTypeDefinition | undefined {
  return definitionsByType.get(type)
}

/** Model names to prefill a channel of each type, keyed by type number (the shape of new-api's GET /api/models). */
export const defaultModelsByType: Readonly<Record<number, readonly string[]>> = Object.fromEntries(
  channelTypeDefinitions.filter((definition) => definition.defaultModels).map((definition) => [definition.type, definition.defaultModels!]),
)

/** One row of GET /api/channel/types (snake_case, as the management API answers). */
export interface ChannelTypeEntry {
  type: number
  name: string
  label: string
  /** '' when the channel must provide its own base URL. */
  default_base_url: string
  base_url_required: boolean
  base_url_hint: LocalText | null
  key_hint: LocalText | null
  key_is_json: boolean
  other_label: LocalText | null
  other_hint: LocalText | null
  other_required: boolean
  /** A channel test can exercise it: a chat-style type the relay has an adaptor for. */
  testable: boolean
  has_balance: boolean
  /** The relay has an adaptor for this type; an unsupported type is not offered for new channels. */
  supported: boolean
  default_models: string[]
  /** What a channel of this type serves (`chat`, `embeddings`, `images`, `realtime`, `midjourney`…), from the relay's endpoints. */
  serves: string[]
}

/**
 * Every known channel type with what the relay can do with it, in enum order. `servedBy` names what a type serves: the
 * relay's endpoints know it (src/relay/served-endpoints.ts), which this layer does not import.
 */
export function channelTypeCatalog(servedBy: (type: number) => string[] = () => []): ChannelTypeEntry[] {
  return channelTypeDefinitions.map((definition) => ({
    type: definition.type,
    name: definition.name,
    label: definition.label,
    default_base_url: defaultBaseUrl(definition.type),
    base_url_required: definition.baseUrlRequired === true,
    base_url_hint: definition.baseUrlHint ?? null,
    key_hint: definition.keyHint ?? null,
    key_is_json: definition.keyIsJson === true,
    other_label: definition.otherLabel ?? null,
    other_hint: definition.otherHint ?? null,
    other_required: definition.otherRequired === true,
    testable: definition.testable !== false && isChannelTypeSupported(definition.type),
    has_balance: providerForChannelType(definition.type)?.balance !== undefined,
    supported: isChannelTypeSupported(definition.type),
    default_models: [...(definition.defaultModels ?? [])],
    serves: servedBy(definition.type),
  }))
}
