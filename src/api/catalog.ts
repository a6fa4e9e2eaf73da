/** new-api's channel type enum (constant/channel.go), names as new-api shows them. */
export const channelTypeNames: Record<number, string> = {
  1: 'OpenAI', 2: 'Midjourney', 3: 'Azure', 4: 'Ollama', 5: 'MidjourneyPlus', 6: 'OpenAIMax', 7: 'OhMyGPT', 8: 'Custom', 9: 'AILS',
  10: 'AIProxy', 11: 'PaLM', 12: 'API2GPT', 13: 'AIGC2D', 14: 'Anthropic', 15: 'Baidu', 16: 'Zhipu', 17: 'Ali', 18: 'Xunfei', 19: '360',
  20: 'OpenRouter', 21: 'AIProxyLibrary', 22: 'FastGPT', 23: 'Tencent', 24: 'Gemini', 25: 'Moonshot', 26: 'ZhipuV4', 27: 'Perplexity',
  31: 'LingYiWanWu', 33: 'AWS', 34: 'Cohere', 35: 'MiniMax', 36: 'SunoAPI', 37: 'Dify', 38: 'Jina', 39: 'Cloudflare', 40: 'SiliconFlow',
  41: 'VertexAI', 42: 'Mistral', 43: 'DeepSeek', 44: 'MokaAI', 45: 'VolcEngine', 46: 'BaiduV2', 47: 'Xinference', 48: 'xAI', 49: 'Coze',
  50: 'Kling', 51: 'Jimeng', 52: 'Vidu', 53: 'Submodel', 54: 'DoubaoVideo', 55: 'Sora', 56: 'Replicate', 57: 'Codex', 58: 'AdvancedCustom',
  59: 'Sub2API', 60: 'NewAPI',
}

/** Models offered to prefill the channel form, per channel type (GET /api/models). */
export const defaultModelsByType: Record<number, string[]> = {
  1: ['gpt-5', 'gpt-5-mini', 'gpt-5-nano', 'gpt-4.1', 'gpt-4.1-mini', 'gpt-4.1-nano', 'gpt-4o', 'gpt-4o-mini', 'o3', 'o4-mini', 'text-embedding-3-small', 'text-embedding-3-large', 'omni-moderation-latest'],
  3: ['gpt-4o', 'gpt-4o-mini', 'gpt-4.1', 'gpt-5'],
  14: ['claude-opus-4-1', 'claude-sonnet-4-5', 'claude-sonnet-4-6', 'claude-haiku-4-5'],
  24: ['gemini-2.5-pro', 'gemini-2.5-flash', 'gemini-3-pro-preview'],
  33: ['anthropic.claude-sonnet-4-5', 'amazon.nova-pro-v1:0'],
  34: ['command-a-03-2025', 'command-r-plus', 'embed-v4.0', 'rerank-v3.5'],
  38: ['jina-embeddings-v3', 'jina-reranker-v2-base-multilingual'],
  42: ['mistral-large-latest', 'mistral-small-latest', 'codestral-latest'],
  43: ['deepseek-chat', 'deepseek-reasoner'],
  48: ['grok-4', 'grok-3-mini'],
}
