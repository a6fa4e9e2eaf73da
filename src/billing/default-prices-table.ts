/**
 * The maintained default price table: list prices as the vendors publish them, one block per vendor with the page
 * the figures come from and the date they were read. Nothing here is a ratio: `default-prices.ts` derives the
 * ModelRatio / CompletionRatio / CacheRatio / … options from these figures, so updating a price is editing the
 * number the vendor shows (and the block's `asOf`), never computing a ratio by hand.
 *
 * Figures are per 1M tokens in the block's currency unless the entry says otherwise. Where an entry's figure
 * comes from another page or day than its block, the entry carries its own `source` / `asOf`.
 */

/** Token prices per 1M tokens. `output` absent: the vendor bills no output (embeddings). */
export interface TokenListPrice {
  input: number
  output?: number
  /** A cache hit (OpenAI "cached input", Anthropic "cache read", DeepSeek "cache hit"). */
  cachedInput?: number
  /** Writing the prompt cache (Anthropic's 5-minute write, MiniMax's cache write). */
  cacheWrite?: number
  /** Image input tokens (gpt-image models). */
  imageInput?: number
  /** Audio input and output tokens (realtime and audio chat models). */
  audioInput?: number
  audioOutput?: number
}

/** A flat price per call; `unit` says what one call is where it is not a request (an image, a second of video). */
export interface CallListPrice { perCall: number; unit?: 'request' | 'image' | 'second of video' | 'search unit' }
/** Transcription billed per minute of audio (whisper-1). */
export interface MinuteListPrice { perMinute: number }
/** Speech billed per 1M input characters (tts-1). */
export interface CharacterListPrice { perMillionCharacters: number }
/** The same list price as another entry of the table (a dated name, or a reseller that charges the vendor's price). */
export interface SameAsListPrice { sameAs: string }

export type ListPrice = TokenListPrice | CallListPrice | MinuteListPrice | CharacterListPrice | SameAsListPrice

export type PriceEntry = ListPrice & {
  /** What the figure means where the vendor's page needs reading (which tier, which kind of token). */
  note?: string
  source?: string
  asOf?: string
}

export interface VendorPrices {
  vendor: string
  /** USD, or CNY for a vendor priced in yuan (converted at `CNY_PER_USD`). */
  currency: 'USD' | 'CNY'
  /** The vendor's pricing page the figures were read from. */
  source: string
  /** When they were read (YYYY-MM-DD, or YYYY-MM). */
  asOf: string
  models: Record<string, PriceEntry>
}

/**
 * Yuan per US dollar for the CNY blocks: the market rate when the CNY figures were read (late November 2025).
 * new-api converts at 7.3; the display option `USDExchangeRate` is separate and unaffected.
 */
export const CNY_PER_USD = { rate: 7.1, asOf: '2025-11' } as const

const anthropicCache = (input: number, output: number): TokenListPrice => ({ input, output, cachedInput: input * 0.1, cacheWrite: input * 1.25 })

export const defaultPriceTable: readonly VendorPrices[] = [
  {
    vendor: 'OpenAI', currency: 'USD', source: 'https://platform.openai.com/docs/pricing', asOf: '2025-11',
    models: {
      'gpt-5.4': { input: 2.5, output: 15, cachedInput: 0.25, asOf: '2026-04', note: 'context under 270K' },
      'gpt-5.4-mini': { input: 0.75, output: 4.5, cachedInput: 0.075, asOf: '2026-04' },
      'gpt-5.4-nano': { input: 0.2, output: 1.25, cachedInput: 0.02, asOf: '2026-04' },
      'gpt-5.2': { input: 1.75, output: 14, cachedInput: 0.175, asOf: '2026-04' },
      'gpt-5.2-pro': { input: 21, output: 168, asOf: '2026-04' },
      'gpt-5.1': { input: 1.25, output: 10, cachedInput: 0.125 },
      'gpt-5.1-chat-latest': { input: 1.25, output: 10, cachedInput: 0.125 },
      'gpt-5.1-codex': { input: 1.25, output: 10, cachedInput: 0.125 },
      'gpt-5.1-codex-mini': { input: 0.25, output: 2, cachedInput: 0.025 },
      'gpt-5': { input: 1.25, output: 10, cachedInput: 0.125 },
      'gpt-5-chat-latest': { input: 1.25, output: 10, cachedInput: 0.125 },
      'gpt-5-codex': { input: 1.25, output: 10, cachedInput: 0.125 },
      'gpt-5-mini': { input: 0.25, output: 2, cachedInput: 0.025 },
      'gpt-5-nano': { input: 0.05, output: 0.4, cachedInput: 0.005 },
      'gpt-5-pro': { input: 15, output: 120 },
      'gpt-4.1': { input: 2, output: 8, cachedInput: 0.5 },
      'gpt-4.1-mini': { input: 0.4, output: 1.6, cachedInput: 0.1 },
      'gpt-4.1-nano': { input: 0.1, output: 0.4, cachedInput: 0.025 },
      'gpt-4o': { input: 2.5, output: 10, cachedInput: 1.25 },
      'gpt-4o-2024-05-13': { input: 5, output: 15 },
      'gpt-4o-mini': { input: 0.15, output: 0.6, cachedInput: 0.075 },
      'chatgpt-4o-latest': { input: 5, output: 15 },
      'o1': { input: 15, output: 60, cachedInput: 7.5 },
      'o1-mini': { input: 1.1, output: 4.4, cachedInput: 0.55 },
      'o1-pro': { input: 150, output: 600 },
      'o3': { input: 2, output: 8, cachedInput: 0.5 },
      'o3-pro': { input: 20, output: 80 },
      'o3-mini': { input: 1.1, output: 4.4, cachedInput: 0.55 },
      'o3-deep-research': { input: 10, output: 40, cachedInput: 2.5 },
      'o4-mini': { input: 1.1, output: 4.4, cachedInput: 0.275 },
      'o4-mini-deep-research': { input: 2, output: 8, cachedInput: 0.5 },
      'gpt-4-turbo': { input: 10, output: 30 },
      'gpt-4': { input: 30, output: 60 },
      'gpt-3.5-turbo': { input: 0.5, output: 1.5 },
      'gpt-3.5-turbo-instruct': { input: 1.5, output: 2 },
      'text-embedding-3-small': { input: 0.02 },
      'text-embedding-3-large': { input: 0.13 },
      'text-embedding-ada-002': { input: 0.1 },
      'omni-moderation-latest': { input: 0, note: 'free' },
      'text-moderation-latest': { input: 0, note: 'free' },
      'gpt-image-1': { input: 5, cachedInput: 1.25, imageInput: 10, output: 40, note: 'text input; output is image tokens' },
      'gpt-image-1-mini': { input: 2, cachedInput: 0.2, imageInput: 2.5, output: 8, note: 'text input; output is image tokens' },
      'dall-e-3': { perCall: 0.04, unit: 'image', note: 'standard 1024×1024; other sizes and hd by the size and quality ratios' },
      'dall-e-2': { perCall: 0.02, unit: 'image', note: '1024×1024' },
      'sora-2': { perCall: 0.1, unit: 'second of video', note: '720p' },
      'sora-2-pro': { perCall: 0.3, unit: 'second of video', note: '720p' },
      'whisper-1': { perMinute: 0.006 },
      'tts-1': { perMillionCharacters: 15 },
      'tts-1-hd': { perMillionCharacters: 30 },
      'gpt-4o-transcribe': { input: 6, output: 10, note: 'input at the audio-token price: transcription input is audio (1000 tokens a minute when no usage is reported: $0.006/min, as OpenAI estimates)' },
      'gpt-4o-mini-transcribe': { input: 3, output: 5, note: 'input at the audio-token price, as gpt-4o-transcribe ($0.003/min)' },
      'gpt-4o-mini-tts': { input: 0.6, output: 12, note: 'text input; output is audio tokens' },
      'gpt-realtime': { input: 4, cachedInput: 0.4, output: 16, audioInput: 32, audioOutput: 64 },
      'gpt-realtime-mini': { input: 0.6, cachedInput: 0.06, output: 2.4, audioInput: 10, audioOutput: 20 },
      'gpt-4o-realtime-preview': { input: 5, cachedInput: 2.5, output: 20, audioInput: 40, audioOutput: 80 },
      'gpt-4o-mini-realtime-preview': { input: 0.6, cachedInput: 0.3, output: 2.4, audioInput: 10, audioOutput: 20 },
      'gpt-audio': { input: 2.5, output: 10, audioInput: 32, audioOutput: 64 },
      'gpt-audio-mini': { input: 0.6, output: 2.4, audioInput: 10, audioOutput: 20 },
      'gpt-4o-audio-preview': { input: 2.5, output: 10, audioInput: 40, audioOutput: 80 },
      'gpt-4o-mini-audio-preview': { input: 0.15, output: 0.6, audioInput: 10, audioOutput: 20 },
    },
  },
  {
    vendor: 'Anthropic', currency: 'USD', source: 'https://docs.claude.com/en/docs/about-claude/pricing', asOf: '2025-11',
    // Cache reads are 0.1× input and 5-minute cache writes 1.25× input for every model.
    models: {
      'claude-opus-4-7': { ...anthropicCache(5, 25), asOf: '2026-04' },
      'claude-opus-4-6': { ...anthropicCache(5, 25), asOf: '2026-04' },
      'claude-sonnet-4-6': { ...anthropicCache(3, 15), asOf: '2026-04' },
      'claude-opus-4-5': anthropicCache(5, 25),
      'claude-opus-4-5-20251101': { sameAs: 'claude-opus-4-5' },
      'claude-opus-4-1': anthropicCache(15, 75),
      'claude-opus-4-1-20250805': { sameAs: 'claude-opus-4-1' },
      'claude-opus-4-0': anthropicCache(15, 75),
      'claude-opus-4-20250514': { sameAs: 'claude-opus-4-0' },
      'claude-sonnet-4-5': anthropicCache(3, 15),
      'claude-sonnet-4-5-20250929': { sameAs: 'claude-sonnet-4-5' },
      'claude-sonnet-4-0': anthropicCache(3, 15),
      'claude-sonnet-4-20250514': { sameAs: 'claude-sonnet-4-0' },
      'claude-3-7-sonnet-latest': anthropicCache(3, 15),
      'claude-3-7-sonnet-20250219': { sameAs: 'claude-3-7-sonnet-latest' },
      'claude-haiku-4-5': anthropicCache(1, 5),
      'claude-haiku-4-5-20251001': { sameAs: 'claude-haiku-4-5' },
      'claude-3-5-haiku-latest': anthropicCache(0.8, 4),
      'claude-3-5-haiku-20241022': { sameAs: 'claude-3-5-haiku-latest' },
      'claude-3-haiku-20240307': anthropicCache(0.25, 1.25),
    },
  },
  {
    vendor: 'Google', currency: 'USD', source: 'https://ai.google.dev/gemini-api/docs/pricing', asOf: '2025-11',
    // The paid tier, prompts up to 200K tokens, text/image/video input.
    models: {
      'gemini-3-pro-preview': { input: 2, output: 12, cachedInput: 0.2 },
      'gemini-3-flash-preview': { input: 0.5, output: 3, cachedInput: 0.05, asOf: '2026-04' },
      'gemini-3-pro-image-preview': { input: 2, output: 120, note: 'output is image tokens (text output is $12)' },
      'gemini-2.5-pro': { input: 1.25, output: 10, cachedInput: 0.125 },
      'gemini-2.5-flash': { input: 0.3, output: 2.5, cachedInput: 0.03 },
      'gemini-2.5-flash-lite': { input: 0.1, output: 0.4, cachedInput: 0.01 },
      'gemini-2.5-flash-image': { input: 0.3, output: 30, note: 'output is image tokens (1290 a 1024² image: $0.039)' },
      'gemini-2.0-flash': { input: 0.1, output: 0.4, cachedInput: 0.025 },
      'gemini-2.0-flash-lite': { input: 0.075, output: 0.3 },
      'gemini-embedding-001': { input: 0.15 },
      'imagen-4.0-generate-001': { perCall: 0.04, unit: 'image' },
      'imagen-4.0-ultra-generate-001': { perCall: 0.06, unit: 'image' },
      'imagen-4.0-fast-generate-001': { perCall: 0.02, unit: 'image' },
      'imagen-3.0-generate-002': { perCall: 0.03, unit: 'image' },
    },
  },
  {
    vendor: 'DeepSeek', currency: 'USD', source: 'https://api-docs.deepseek.com/quick_start/pricing', asOf: '2025-12-01',
    // DeepSeek-V3.2: both names, one price; input is the cache-miss price.
    models: {
      'deepseek-chat': { input: 0.28, output: 0.42, cachedInput: 0.028 },
      'deepseek-reasoner': { input: 0.28, output: 0.42, cachedInput: 0.028 },
    },
  },
  {
    vendor: 'Alibaba Qwen (Model Studio, China)', currency: 'CNY', source: 'https://help.aliyun.com/zh/model-studio/models', asOf: '2025-11',
    // The default Ali channel goes to dashscope.aliyuncs.com (China), priced in yuan; the lowest input tier, non-thinking output.
    models: {
      'qwen3-max': { input: 2.5, output: 10, cachedInput: 0.5, asOf: '2026-12-02', note: 'input up to 32K (launched at ¥6 / ¥24)' },
      'qwen-max': { input: 2.4, output: 9.6 },
      'qwen-plus': { input: 0.8, output: 2, note: 'non-thinking; thinking output is ¥8' },
      'qwen-turbo': { input: 0.3, output: 0.6, note: 'non-thinking; thinking output is ¥3' },
      'qwen-flash': { input: 0.15, output: 1.5, note: 'input up to 128K' },
      'qwen-long': { input: 0.5, output: 2 },
      'qwen3-coder-plus': { input: 4, output: 16, note: 'input up to 32K' },
      'qwen3-coder-flash': { input: 1, output: 4, note: 'input up to 32K' },
      'qwen-vl-max': { input: 1.6, output: 4 },
      'qwen-vl-plus': { input: 0.8, output: 2 },
      'qwen3-235b-a22b': { input: 2, output: 8, note: 'non-thinking; thinking output is ¥20' },
      'qwen3-32b': { input: 2, output: 8, note: 'non-thinking' },
      'qwen3-30b-a3b': { input: 0.75, output: 3, note: 'non-thinking' },
      'text-embedding-v4': { input: 0.5 },
      'text-embedding-v3': { input: 0.5 },
      // Wanx text-to-image, per image generated (the API reference's price table).
      'wanx2.1-t2i-turbo': { perCall: 0.14, unit: 'image', source: 'https://help.aliyun.com/zh/model-studio/developer-reference/text-to-image-v2-api-reference', asOf: '2026-12-02' },
      'wanx2.1-t2i-plus': { perCall: 0.2, unit: 'image', source: 'https://help.aliyun.com/zh/model-studio/developer-reference/text-to-image-v2-api-reference', asOf: '2026-12-02' },
      'wanx-v1': { perCall: 0.16, unit: 'image', source: 'https://help.aliyun.com/zh/model-studio/developer-reference/text-to-image-api-details', asOf: '2026-12-02' },
    },
  },
  {
    vendor: 'Zhipu GLM (BigModel, China)', currency: 'CNY', source: 'https://open.bigmodel.cn/pricing', asOf: '2025-11',
    // The default Zhipu v4 channel goes to open.bigmodel.cn; GLM-4.5/4.6 at their lowest tier (input under 32K).
    models: {
      'glm-4.6': { input: 2, output: 8, cachedInput: 0.4, note: 'input under 32K, output under 200 tokens: the tier BigModel lists first' },
      'glm-4.5': { input: 2, output: 8, cachedInput: 0.4, note: 'as glm-4.6' },
      'glm-4.5-air': { input: 0.8, output: 2, cachedInput: 0.16, note: 'input under 32K' },
      'glm-4.5-flash': { input: 0, output: 0, note: 'free' },
      'glm-4.5v': { input: 2, output: 6 },
      'glm-4-plus': { input: 5, output: 5 },
      'glm-4-air-250414': { input: 0.5, output: 0.5 },
      'glm-4-long': { input: 1, output: 1 },
      'glm-4-flashx': { input: 0.1, output: 0.1 },
      'glm-4-flash': { input: 0, output: 0, note: 'free' },
    },
  },
  {
    vendor: 'Moonshot (China)', currency: 'CNY', source: 'https://platform.moonshot.cn/docs/pricing/chat', asOf: '2025-11',
    // The default Moonshot channel goes to api.moonshot.cn; input is the cache-miss price.
    models: {
      'kimi-k2-thinking': { input: 4, output: 16, cachedInput: 1 },
      'kimi-k2-0905-preview': { input: 4, output: 16, cachedInput: 1 },
      'kimi-k2-0711-preview': { input: 4, output: 16, cachedInput: 1 },
      'moonshot-v1-8k': { input: 2, output: 10 },
      'moonshot-v1-32k': { input: 5, output: 20 },
      'moonshot-v1-128k': { input: 10, output: 30 },
    },
  },
  {
    vendor: 'Mistral', currency: 'USD', source: 'https://mistral.ai/pricing#api-pricing', asOf: '2025-11',
    models: {
      'mistral-large-latest': { input: 2, output: 6 },
      'mistral-medium-latest': { input: 0.4, output: 2 },
      'mistral-small-latest': { input: 0.1, output: 0.3 },
      'magistral-medium-latest': { input: 2, output: 5 },
      'magistral-small-latest': { input: 0.5, output: 1.5 },
      'codestral-latest': { input: 0.3, output: 0.9 },
      'devstral-medium-latest': { input: 0.4, output: 2 },
      'devstral-small-latest': { input: 0.1, output: 0.3 },
      'pixtral-large-latest': { input: 2, output: 6 },
      'ministral-8b-latest': { input: 0.1, output: 0.1 },
      'ministral-3b-latest': { input: 0.04, output: 0.04 },
      'open-mistral-nemo': { input: 0.15, output: 0.15 },
      'mistral-embed': { input: 0.1 },
      'codestral-embed': { input: 0.15 },
      'mistral-moderation-latest': { input: 0.1 },
    },
  },
  {
    vendor: 'xAI', currency: 'USD', source: 'https://docs.x.ai/docs/models', asOf: '2025-11',
    models: {
      'grok-4': { input: 3, output: 15, cachedInput: 0.75 },
      'grok-4-0709': { sameAs: 'grok-4' },
      'grok-4-1-fast-reasoning': { input: 0.2, output: 0.5, cachedInput: 0.05 },
      'grok-4-1-fast-non-reasoning': { input: 0.2, output: 0.5, cachedInput: 0.05 },
      'grok-4-fast-reasoning': { input: 0.2, output: 0.5, cachedInput: 0.05 },
      'grok-4-fast-non-reasoning': { input: 0.2, output: 0.5, cachedInput: 0.05 },
      'grok-code-fast-1': { input: 0.2, output: 1.5, cachedInput: 0.02 },
      'grok-3': { input: 3, output: 15, cachedInput: 0.75 },
      'grok-3-mini': { input: 0.3, output: 0.5, cachedInput: 0.075 },
      'grok-2-vision-1212': { input: 2, output: 10 },
      'grok-2-image-1212': { perCall: 0.07, unit: 'image' },
    },
  },
  {
    vendor: 'Doubao (Volcengine Ark, China)', currency: 'CNY', source: 'https://www.volcengine.com/docs/82379/1544106', asOf: '2025-11',
    // The Seed 1.6 models at their lowest tier (input under 32K); output is the price for answers over 200 tokens.
    models: {
      'doubao-seed-1-6-250615': { input: 0.8, output: 8, cachedInput: 0.16, note: 'input under 32K' },
      'doubao-seed-1-6-thinking-250715': { input: 0.8, output: 8, cachedInput: 0.16, note: 'input under 32K' },
      'doubao-seed-1-6-vision-250815': { input: 0.8, output: 8, cachedInput: 0.16, note: 'input under 32K' },
      'doubao-seed-1-6-flash-250828': { input: 0.15, output: 1.5, cachedInput: 0.03, note: 'input under 32K' },
      'doubao-1-5-pro-32k-250115': { input: 0.8, output: 2, cachedInput: 0.16 },
      'doubao-1-5-pro-256k-250115': { input: 5, output: 9 },
      'doubao-1-5-lite-32k-250115': { input: 0.3, output: 0.6, cachedInput: 0.06 },
      'doubao-seedream-4-0-250828': { perCall: 0.2, unit: 'image' },
    },
  },
  {
    vendor: 'MiniMax (China)', currency: 'CNY', source: 'https://platform.minimaxi.com/document/Price', asOf: '2025-11',
    // The default MiniMax channel goes to api.minimax.chat (China).
    models: {
      'MiniMax-M2': { input: 2.1, output: 8.4, cachedInput: 0.21, cacheWrite: 2.625 },
      'MiniMax-M1': { input: 0.8, output: 8, note: 'input under 32K' },
      'MiniMax-Text-01': { input: 1, output: 8 },
      'abab6.5s-chat': { input: 10, output: 10, note: '¥0.01 per 1K tokens, MiniMax\'s listed price for its older abab models' },
    },
  },
  {
    vendor: 'Cohere', currency: 'USD', source: 'https://cohere.com/pricing', asOf: '2025-11',
    models: {
      'command-a-03-2025': { input: 2.5, output: 10 },
      'command-r-plus': { input: 2.5, output: 10, note: 'command-r-plus-08-2024' },
      'command-r-plus-08-2024': { sameAs: 'command-r-plus' },
      'command-r': { input: 0.15, output: 0.6, note: 'command-r-08-2024' },
      'command-r-08-2024': { sameAs: 'command-r' },
      'command-r7b-12-2024': { input: 0.0375, output: 0.15 },
      'embed-v4.0': { input: 0.12, note: 'text; image input is $0.47' },
      'embed-english-v3.0': { input: 0.1 },
      'embed-multilingual-v3.0': { input: 0.1 },
      'rerank-v3.5': { perCall: 0.002, unit: 'search unit', note: '$2 per 1K searches' },
    },
  },
  {
    vendor: 'Jina', currency: 'USD', source: 'https://jina.ai/embeddings/#pricing', asOf: '2025-11',
    // Jina sells token packs; this is the price per token of the paid pack (1B tokens for $50).
    models: {
      'jina-embeddings-v3': { input: 0.05 },
      'jina-embeddings-v4': { input: 0.05 },
      'jina-reranker-v2-base-multilingual': { input: 0.05 },
      'jina-reranker-m0': { input: 0.05 },
    },
  },
  {
    vendor: 'Perplexity', currency: 'USD', source: 'https://docs.perplexity.ai/getting-started/pricing', asOf: '2025-11',
    // Tokens only: Perplexity's per-request search fees (by search context size) are not in these figures.
    models: {
      'sonar': { input: 1, output: 1 },
      'sonar-pro': { input: 3, output: 15 },
      'sonar-reasoning': { input: 1, output: 5 },
      'sonar-reasoning-pro': { input: 2, output: 8 },
      'sonar-deep-research': { input: 2, output: 8, note: 'citation and search fees not included' },
    },
  },
  {
    vendor: 'Amazon Bedrock', currency: 'USD', source: 'https://aws.amazon.com/bedrock/pricing/', asOf: '2025-11',
    // On-demand, US regions; Bedrock charges Anthropic's list price for Claude.
    models: {
      'anthropic.claude-sonnet-4-5': { sameAs: 'claude-sonnet-4-5' },
      'amazon.nova-pro-v1:0': { input: 0.8, output: 3.2 },
      'amazon.nova-lite-v1:0': { input: 0.06, output: 0.24 },
      'amazon.nova-micro-v1:0': { input: 0.035, output: 0.14 },
    },
  },
  {
    vendor: 'OpenRouter', currency: 'USD', source: 'https://openrouter.ai/models', asOf: '2025-11',
    // OpenRouter charges the first-party provider's list price for these models.
    models: {
      'openai/gpt-5': { sameAs: 'gpt-5' },
      'openai/gpt-5-mini': { sameAs: 'gpt-5-mini' },
      'openai/gpt-4o-mini': { sameAs: 'gpt-4o-mini' },
      'anthropic/claude-sonnet-4.5': { sameAs: 'claude-sonnet-4-5' },
      'anthropic/claude-haiku-4.5': { sameAs: 'claude-haiku-4-5' },
      'google/gemini-2.5-pro': { sameAs: 'gemini-2.5-pro' },
      'google/gemini-2.5-flash': { sameAs: 'gemini-2.5-flash' },
    },
  },
  {
    vendor: 'SiliconFlow (China)', currency: 'CNY', source: 'https://siliconflow.cn/pricing', asOf: '2025-11',
    models: {
      'deepseek-ai/DeepSeek-V3': { input: 2, output: 8 },
      'deepseek-ai/DeepSeek-R1': { input: 4, output: 16 },
      'Qwen/Qwen3-8B': { input: 0, output: 0, note: 'free' },
      'BAAI/bge-m3': { input: 0, note: 'free' },
      'BAAI/bge-reranker-v2-m3': { input: 0, note: 'free' },
    },
  },
  {
    vendor: 'Baidu Qianfan', currency: 'CNY', source: 'https://cloud.baidu.com/doc/qianfan-docs/s/Jm8r1826a', asOf: '2025-11',
    models: {
      'ernie-4.5-turbo-128k': { input: 0.8, output: 3.2 },
      'ernie-4.5-turbo-32k': { input: 0.8, output: 3.2 },
      'ernie-x1-turbo-32k': { input: 1, output: 4 },
      'ernie-speed-128k': { input: 0, output: 0, note: 'free' },
      'ernie-lite-8k': { input: 0, output: 0, note: 'free' },
    },
  },
  {
    vendor: 'Replicate', currency: 'USD', source: 'https://replicate.com/pricing', asOf: '2025-11',
    models: {
      // Official language models are billed per token; image models per output image.
      'meta/meta-llama-3-70b-instruct': { input: 0.65, output: 2.75 },
      'meta/meta-llama-3-8b-instruct': { input: 0.05, output: 0.25 },
      'deepseek-ai/deepseek-r1': { input: 3.75, output: 10 },
      'black-forest-labs/flux-schnell': { perCall: 0.003, unit: 'image' },
      'black-forest-labs/flux-1.1-pro': { perCall: 0.04, unit: 'image' },
    },
  },
  {
    // Midjourney-Proxy and Suno-API are resold services with no vendor price list: these are new-api's defaults.
    vendor: 'Midjourney / Suno (new-api defaults)', currency: 'USD',
    source: 'https://github.com/QuantumNous/new-api/blob/main/setting/ratio_setting/model_ratio.go', asOf: '2025-11',
    models: {
      mj_imagine: { perCall: 0.1 }, mj_variation: { perCall: 0.1 }, mj_reroll: { perCall: 0.1 }, mj_blend: { perCall: 0.1 },
      mj_modal: { perCall: 0.1 }, mj_zoom: { perCall: 0.1 }, mj_shorten: { perCall: 0.1 }, mj_high_variation: { perCall: 0.1 },
      mj_low_variation: { perCall: 0.1 }, mj_pan: { perCall: 0.1 }, mj_edits: { perCall: 0.1 }, mj_describe: { perCall: 0.05 },
      mj_upscale: { perCall: 0.05 }, mj_upload: { perCall: 0.05 }, swap_face: { perCall: 0.05 }, mj_video: { perCall: 0.8 },
      mj_inpaint: { perCall: 0, note: 'free' }, mj_custom_zoom: { perCall: 0, note: 'free' },
      suno_music: { perCall: 0.1 }, suno_lyrics: { perCall: 0.01 },
    },
  },
]
