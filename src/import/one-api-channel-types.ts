/**
 * one-api and new-api share channel type numbers up to 25 (and 31, 33); after that one-api numbered its own way
 * (relay/channeltype/define.go) while new-api, whose numbers Tollgate uses, went on differently. An
 * OpenAI-compatible one-api type new-api has no number for becomes Custom (8) with the base URL one-api would have
 * used. `undefined` = no equivalent: the channel is imported disabled and reported.
 */
interface TypeMapping { type: number; defaultBaseUrl?: string }

const custom = (defaultBaseUrl: string): TypeMapping => ({ type: 8, defaultBaseUrl })

const oneApiTypes: Record<number, TypeMapping | undefined> = {
  2: custom('https://oa.api2d.net'), // API2D (new-api 2 is Midjourney)
  4: custom('https://api.closeai-proxy.xyz'), // CloseAI (new-api 4 is Ollama)
  5: custom('https://api.openai-sb.com'), // OpenAI-SB (new-api 5 is Midjourney Plus)
  26: custom('https://api.baichuan-ai.com'), // Baichuan
  27: { type: 35 }, // Minimax
  28: { type: 42 }, // Mistral
  29: custom('https://api.groq.com/openai'), // Groq
  30: { type: 4 }, // Ollama
  32: custom('https://api.stepfun.com'), // StepFun
  34: { type: 49 }, // Coze
  35: { type: 34 }, // Cohere
  36: { type: 43 }, // DeepSeek
  37: { type: 39 }, // Cloudflare
  38: undefined, // DeepL
  39: custom('https://api.together.xyz'), // Together AI
  40: { type: 45 }, // Doubao (VolcEngine)
  41: custom('https://api.novita.ai/v3/openai'), // Novita
  42: { type: 41 }, // Vertex AI
  43: undefined, // Proxy
  44: { type: 40 }, // SiliconFlow
  45: { type: 48 }, // xAI
  46: { type: 56 }, // Replicate
  47: { type: 46 }, // Baidu V2
  48: custom('https://spark-api-open.xf-yun.com'), // Xunfei V2 (OpenAI-compatible)
  49: custom('https://dashscope.aliyuncs.com/compatible-mode'), // Ali Bailian
  50: { type: 8 }, // OpenAI-compatible
  51: custom('https://generativelanguage.googleapis.com/v1beta/openai'), // Gemini, OpenAI-compatible
}

/** new-api's type for a one-api type; `undefined` when there is none. */
export function mapOneApiChannelType(type: number): TypeMapping | undefined {
  if (type in oneApiTypes) return oneApiTypes[type]
  return type <= 33 ? { type } : undefined
}
