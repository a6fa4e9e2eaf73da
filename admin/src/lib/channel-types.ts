/**
 * new-api's channel type enum (new-api-compat.md §4) with what the form needs to guide the
 * operator: the default base URL, the key's shape, what `other` means, and what is required.
 */

export interface LocalText {
  en: string
  zh: string
}

export interface ChannelType {
  id: number
  name: string
  /** Empty: the operator must supply one (or the provider has no single URL). */
  defaultBaseUrl: string
  baseUrlRequired?: boolean
  keyHint?: LocalText
  /** The key is one JSON document per key (Vertex service accounts, Codex). */
  keyIsJson?: boolean
  otherLabel?: LocalText
  otherHint?: LocalText
  otherRequired?: boolean
  /** Balance checks exist only for these types (new-api §4 "Balance"). */
  hasBalance?: boolean
  /** Channel tests are refused for task-style providers. */
  testable?: boolean
}

const pipeKey = (parts: string): LocalText => ({ en: `Key format: ${parts}`, zh: `密钥格式：${parts}` })

export const channelTypes: ChannelType[] = [
  { id: 1, name: 'OpenAI', defaultBaseUrl: 'https://api.openai.com', keyHint: { en: 'sk-… (one per line for several keys)', zh: 'sk-…（多个密钥每行一个）' }, hasBalance: true },
  { id: 2, name: 'Midjourney Proxy', defaultBaseUrl: 'https://oa.api2d.net', keyHint: { en: 'mj-api-secret of the proxy', zh: '代理的 mj-api-secret' }, testable: false },
  {
    id: 3, name: 'Azure OpenAI', defaultBaseUrl: '', baseUrlRequired: true,
    keyHint: { en: 'Azure resource key', zh: 'Azure 资源密钥' },
    otherLabel: { en: 'API version', zh: 'API 版本' },
    otherHint: { en: 'e.g. 2024-10-21; base URL is https://<resource>.openai.azure.com', zh: '例如 2024-10-21；地址为 https://<resource>.openai.azure.com' },
  },
  { id: 4, name: 'Ollama', defaultBaseUrl: 'http://localhost:11434', keyHint: { en: 'Any text if the server has no auth', zh: '无鉴权时可填任意值' } },
  { id: 5, name: 'Midjourney Plus', defaultBaseUrl: 'https://api.openai-sb.com', testable: false },
  { id: 6, name: 'OpenAI Max', defaultBaseUrl: 'https://api.openaimax.com' },
  { id: 7, name: 'OhMyGPT', defaultBaseUrl: 'https://api.ohmygpt.com' },
  { id: 8, name: 'Custom (OpenAI-compatible)', defaultBaseUrl: '', baseUrlRequired: true, keyHint: { en: 'Bearer key of the upstream', zh: '上游的 Bearer 密钥' }, hasBalance: true },
  { id: 9, name: 'AILS', defaultBaseUrl: 'https://api.caipacity.com' },
  { id: 10, name: 'AIProxy', defaultBaseUrl: 'https://api.aiproxy.io', hasBalance: true },
  { id: 11, name: 'PaLM', defaultBaseUrl: '' },
  { id: 12, name: 'API2GPT', defaultBaseUrl: 'https://api.api2gpt.com', hasBalance: true },
  { id: 13, name: 'AIGC2D', defaultBaseUrl: 'https://api.aigc2d.com', hasBalance: true },
  { id: 14, name: 'Anthropic', defaultBaseUrl: 'https://api.anthropic.com', keyHint: { en: 'sk-ant-…', zh: 'sk-ant-…' } },
  { id: 15, name: 'Baidu', defaultBaseUrl: 'https://aip.baidubce.com', keyHint: pipeKey('APIKey|SecretKey') },
  { id: 16, name: 'Zhipu', defaultBaseUrl: 'https://open.bigmodel.cn', keyHint: pipeKey('APIKey.Secret') },
  {
    id: 17, name: 'Ali (DashScope)', defaultBaseUrl: 'https://dashscope.aliyuncs.com',
    otherLabel: { en: 'Plugin parameter', zh: '插件参数' },
    otherHint: { en: 'X-DashScope-Plugin header value, optional', zh: 'X-DashScope-Plugin 请求头的值，可选' },
  },
  {
    id: 18, name: 'Xunfei Spark', defaultBaseUrl: '', keyHint: pipeKey('APPID|APISecret|APIKey'),
    otherLabel: { en: 'Model version', zh: '模型版本' }, otherHint: { en: 'e.g. v3.5', zh: '例如 v3.5' },
  },
  { id: 19, name: '360', defaultBaseUrl: 'https://api.360.cn' },
  { id: 20, name: 'OpenRouter', defaultBaseUrl: 'https://openrouter.ai/api', keyHint: { en: 'sk-or-…', zh: 'sk-or-…' }, hasBalance: true },
  { id: 21, name: 'AIProxy Library', defaultBaseUrl: 'https://api.aiproxy.io', otherLabel: { en: 'Library ID', zh: '知识库 ID' } },
  { id: 22, name: 'FastGPT', defaultBaseUrl: 'https://fastgpt.run/api/openapi' },
  { id: 23, name: 'Tencent Hunyuan', defaultBaseUrl: 'https://hunyuan.tencentcloudapi.com', keyHint: pipeKey('AppId|SecretId|SecretKey') },
  {
    id: 24, name: 'Google Gemini', defaultBaseUrl: 'https://generativelanguage.googleapis.com', keyHint: { en: 'AIza…', zh: 'AIza…' },
    otherLabel: { en: 'API version', zh: 'API 版本' }, otherHint: { en: 'v1beta by default', zh: '默认 v1beta' },
  },
  { id: 25, name: 'Moonshot', defaultBaseUrl: 'https://api.moonshot.cn', hasBalance: true },
  { id: 26, name: 'Zhipu V4', defaultBaseUrl: 'https://open.bigmodel.cn' },
  { id: 27, name: 'Perplexity', defaultBaseUrl: 'https://api.perplexity.ai' },
  { id: 31, name: 'LingYiWanWu', defaultBaseUrl: 'https://api.lingyiwanwu.com' },
  { id: 33, name: 'AWS Bedrock', defaultBaseUrl: '', keyHint: pipeKey('AccessKeyId|SecretAccessKey|Region') },
  { id: 34, name: 'Cohere', defaultBaseUrl: 'https://api.cohere.ai' },
  { id: 35, name: 'MiniMax', defaultBaseUrl: 'https://api.minimax.chat' },
  { id: 36, name: 'Suno API', defaultBaseUrl: '', baseUrlRequired: true, testable: false },
  { id: 37, name: 'Dify', defaultBaseUrl: 'https://api.dify.ai', keyHint: { en: 'app-…', zh: 'app-…' } },
  { id: 38, name: 'Jina', defaultBaseUrl: 'https://api.jina.ai' },
  {
    id: 39, name: 'Cloudflare Workers AI', defaultBaseUrl: 'https://api.cloudflare.com', keyHint: { en: 'Cloudflare API token', zh: 'Cloudflare API 令牌' },
    otherLabel: { en: 'Account ID', zh: '账户 ID' }, otherRequired: true,
  },
  { id: 40, name: 'SiliconFlow', defaultBaseUrl: 'https://api.siliconflow.cn', hasBalance: true },
  {
    id: 41, name: 'Vertex AI', defaultBaseUrl: '', keyIsJson: true,
    keyHint: { en: 'Service-account JSON (a JSON array for several keys)', zh: '服务账号 JSON（多个密钥用 JSON 数组）' },
    otherLabel: { en: 'Regions (JSON)', zh: '区域（JSON）' },
    otherHint: { en: '{"default": "us-central1", "claude-3-5-sonnet": "us-east5"}', zh: '{"default": "us-central1", "claude-3-5-sonnet": "us-east5"}' },
    otherRequired: true,
  },
  { id: 42, name: 'Mistral', defaultBaseUrl: 'https://api.mistral.ai' },
  { id: 43, name: 'DeepSeek', defaultBaseUrl: 'https://api.deepseek.com', hasBalance: true },
  { id: 44, name: 'MokaAI', defaultBaseUrl: 'https://api.moka.ai' },
  { id: 45, name: 'VolcEngine', defaultBaseUrl: 'https://ark.cn-beijing.volces.com' },
  { id: 46, name: 'Baidu V2 (Qianfan)', defaultBaseUrl: 'https://qianfan.baidubce.com' },
  { id: 47, name: 'Xinference', defaultBaseUrl: '', baseUrlRequired: true },
  { id: 48, name: 'xAI', defaultBaseUrl: 'https://api.x.ai' },
  { id: 49, name: 'Coze', defaultBaseUrl: 'https://api.coze.cn' },
  { id: 50, name: 'Kling', defaultBaseUrl: 'https://api.klingai.com', keyHint: pipeKey('AccessKey|SecretKey'), testable: false },
  { id: 51, name: 'Jimeng', defaultBaseUrl: 'https://visual.volcengineapi.com', keyHint: pipeKey('AccessKey|SecretKey'), testable: false },
  { id: 52, name: 'Vidu', defaultBaseUrl: 'https://api.vidu.cn', testable: false },
  { id: 53, name: 'Submodel', defaultBaseUrl: 'https://llm.submodel.ai' },
  { id: 54, name: 'Doubao Video', defaultBaseUrl: 'https://ark.cn-beijing.volces.com', testable: false },
  { id: 55, name: 'Sora', defaultBaseUrl: 'https://api.openai.com' },
  { id: 56, name: 'Replicate', defaultBaseUrl: 'https://api.replicate.com' },
  { id: 57, name: 'ChatGPT Subscription (Codex)', defaultBaseUrl: 'https://chatgpt.com', keyIsJson: true, keyHint: { en: '{"access_token": "…", "account_id": "…"}', zh: '{"access_token": "…", "account_id": "…"}' } },
  { id: 58, name: 'Advanced Custom', defaultBaseUrl: '', baseUrlRequired: true },
  { id: 59, name: 'Sub2API', defaultBaseUrl: '' },
  { id: 60, name: 'New API', defaultBaseUrl: '', baseUrlRequired: true, keyHint: { en: 'Token of the other instance (sk-…)', zh: '另一实例的令牌（sk-…）' } },
]

const byId = new Map(channelTypes.map((type) => [type.id, type]))

export function channelType(id: number): ChannelType {
  return byId.get(id) ?? { id, name: `Type ${id}`, defaultBaseUrl: '' }
}

export function isTestable(id: number): boolean {
  return channelType(id).testable !== false
}

/**
 * Checks that depend on the type, mirrored from what new-api refuses on create (§4), so the
 * operator hears about them before sending. Returns a message key for i18n or null.
 */
export function checkTypeRequirements(input: { type: number; baseUrl: string; other: string; key: string; isNew: boolean }):
  'error.base_url_required' | 'error.other_required' | 'error.vertex_regions' | 'error.key_json' | null {
  const type = channelType(input.type)
  if (type.baseUrlRequired && input.baseUrl.trim() === '') return 'error.base_url_required'
  if (type.otherRequired && input.other.trim() === '') return 'error.other_required'
  if (input.type === 41) {
    try {
      const regions = JSON.parse(input.other) as unknown
      if (typeof regions !== 'object' || regions === null || typeof (regions as Record<string, unknown>).default !== 'string') return 'error.vertex_regions'
    } catch {
      return 'error.vertex_regions'
    }
  }
  if (type.keyIsJson && input.key.trim() !== '') {
    try {
      JSON.parse(input.key)
    } catch {
      return 'error.key_json'
    }
  }
  return null
}
