import { exportPKCS8, generateKeyPair } from 'jose'
import type { UpstreamTarget } from '../types.ts'
import {
  cozeAnswer, cozeStream, converseStream, failureEvent, invokeStream, jsonAnswer, replicateStream, sparkAnswer, sseStream, wireStream,
  type AnswerReplay, type StreamReplay,
} from './replays.ts'

/**
 * The capability contract: one entry per registered chat adaptor (contract.test.ts runs the same cases against each
 * and fails when the registry holds an adaptor without an entry). An entry names its recorded fixtures (the README in
 * src/testing/fixtures/upstream/ gives their provenance), a representative target, the request shape the provider
 * checks, and what it claims; a capability left out says why, so every gap is a stated exception, never a skipped case.
 */

/** How a built request carries the credential: a header or URL query parameter, possibly added by an asynchronous authorizer. */
export interface AuthShape {
  header?: [name: string, value: string | RegExp]
  query?: [name: string, value: string | RegExp]
  /** The credential comes from an exchange (`UpstreamRequest.authorize`), answered here with this recorded body. */
  exchange?: { fixture: string }
}

/** A recorded failure body and the HTTP status it arrives with. */
export interface RecordedError {
  fixture: string
  status: number
  /** Sent with HTTP 200 (or as a WebSocket frame): the adaptor's own failure detection must give `status`. */
  okBody?: boolean
  /** The account is out of money: never retried, whatever the status. */
  quota?: boolean
  /** An adaptor that departs from the house retry class on purpose: the class it gives and why (reported as an exception). */
  retryException?: { retryable: boolean; why: string }
}

export interface ContractEntry {
  /** Adaptor id in the registry. */
  adaptor: string
  target: UpstreamTarget
  request: {
    url: string | RegExp
    /** The streamed request's URL when it differs from the non-stream one. */
    streamUrl?: string | RegExp
    auth: AuthShape
    /** Image parts sent, by kind (a base64 data URL, an http(s) URL); a kind not taken is refused with a ConversionError naming the part. */
    images: { data: boolean; remote: boolean }
  }
  answer: AnswerReplay
  stream: StreamReplay
  /** The answer and the stream recordings hold the same reply, so their texts must be equal. */
  sameConversation: boolean
  /** Tool calls (a tool-call answer and/or stream), or why not. A provider without tools must refuse them naming `tools`. */
  tools: { answer?: AnswerReplay; stream?: StreamReplay } | { refused: string } | { noRecording: string }
  /** Token counts [input, output] the answer's and the stream's recordings report (the stream's at its end). */
  answerUsage: [input: number, output: number]
  streamUsage: [input: number, output: number]
  errors: RecordedError[]
  /** A recorded stream that fails part-way, and the status its failure stands for. */
  streamFailure?: { stream: StreamReplay; status: number }
}

const base = { stream: false, other: '', setting: {} } as const
const bearer = (key: string): AuthShape => ({ header: ['authorization', `Bearer ${key}`] })
const sigV4 = /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/[a-z0-9-]+\/bedrock\/aws4_request, SignedHeaders=[a-z;-]+, Signature=[0-9a-f]{64}$/
const awsKey = (region: string) => `AKIDEXAMPLE|wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY|${region}`

/** A throwaway service-account key (the exchange is answered locally, so nothing is signed for real). */
const serviceAccount = JSON.stringify({
  type: 'service_account', project_id: 'proj', client_email: 'contract@proj.iam.gserviceaccount.com', token_uri: 'https://oauth2.googleapis.com/token',
  private_key: await exportPKCS8((await generateKeyPair('RS256', { extractable: true })).privateKey),
})

/** Recordings shared by the adaptors that speak the same wire format (Azure and Vertex's open models: OpenAI's; Bedrock's and Vertex's Claude: Anthropic's). */
const openAiText = {
  answer: jsonAnswer('openai-chat/issue-8132-long-tool-call-id.json'), stream: sseStream('openai-chat/openai-text.chunks.txt', { done: true }),
  sameConversation: false, answerUsage: [72, 4], streamUsage: [16, 300],
} satisfies Partial<ContractEntry>
const openAiErrors: RecordedError[] = [
  { fixture: 'openai-chat/reasoning-model-legacy-parameter-error.json', status: 400 },
  { fixture: 'openai-responses/openai-error.1.json', status: 429, quota: true },
]
const anthropicText = { answer: jsonAnswer('anthropic/anthropic-text.json'), sameConversation: false, answerUsage: [12, 29], streamUsage: [12, 30] } satisfies Partial<ContractEntry>
const anthropicTools = { answer: jsonAnswer('anthropic/anthropic-tool-no-args.json'), stream: sseStream('anthropic/anthropic-tool-no-args.chunks.txt', { eventLines: true }) } satisfies ContractEntry['tools']
const anthropicErrors: RecordedError[] = [{ fixture: 'anthropic/anthropic-parallel-provider-client-tools.error.json', status: 400 }]
const geminiText = {
  answer: jsonAnswer('google/google-text.json'), stream: sseStream('google/google-text.chunks.txt'), sameConversation: false, answerUsage: [9, 272], streamUsage: [9, 208],
} satisfies Partial<ContractEntry>
const geminiTools = { answer: jsonAnswer('google/google-tool-call.json'), stream: sseStream('google/google-tool-call.chunks.txt') } satisfies ContractEntry['tools']
const vertexErrors: RecordedError[] = [
  { fixture: 'google/vertex-401-unauthenticated.json', status: 401 },
  { fixture: 'google/vertex-403-permission-denied.json', status: 403 },
  { fixture: 'google/google-429-retry-info.json', status: 429 },
]

export const contractTable: ContractEntry[] = [
  {
    adaptor: 'openai', target: { ...base, baseUrl: 'https://api.openai.com', key: 'sk-contract', model: 'gpt-4.1-nano', channelType: 1 },
    request: { url: 'https://api.openai.com/v1/chat/completions', auth: bearer('sk-contract'), images: { data: true, remote: true } },
    ...openAiText,
    tools: { stream: sseStream('deepseek/deepseek-tool-call.chunks.txt', { done: true }) },
    errors: openAiErrors,
  },
  {
    adaptor: 'azure', target: { ...base, baseUrl: 'https://contract.openai.azure.com', key: 'az-contract', model: 'gpt-4.1-nano', other: '2025-04-01-preview', channelType: 3 },
    request: { url: 'https://contract.openai.azure.com/openai/deployments/gpt-4.1-nano/chat/completions?api-version=2025-04-01-preview', auth: { header: ['api-key', 'az-contract'] }, images: { data: true, remote: true } },
    ...openAiText,
    tools: { stream: sseStream('deepseek/deepseek-tool-call.chunks.txt', { done: true }) },
    errors: openAiErrors,
  },
  {
    adaptor: 'anthropic', target: { ...base, baseUrl: 'https://api.anthropic.com', key: 'sk-ant-contract', model: 'claude-sonnet-4-5', channelType: 14 },
    request: { url: 'https://api.anthropic.com/v1/messages', auth: { header: ['x-api-key', 'sk-ant-contract'] }, images: { data: true, remote: true } },
    ...anthropicText, stream: sseStream('anthropic/anthropic-text.chunks.txt', { eventLines: true }),
    tools: anthropicTools, errors: anthropicErrors,
  },
  {
    adaptor: 'gemini', target: { ...base, baseUrl: 'https://generativelanguage.googleapis.com', key: 'g-contract', model: 'gemini-2.5-flash', channelType: 24 },
    request: { url: 'https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:generateContent', auth: { header: ['x-goog-api-key', 'g-contract'] }, streamUrl: 'https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse', images: { data: true, remote: true } },
    ...geminiText, tools: geminiTools, errors: [{ fixture: 'google/google-429-retry-info.json', status: 429 }],
  },
  {
    adaptor: 'cohere', target: { ...base, baseUrl: 'https://api.cohere.ai', key: 'co-contract', model: 'command-a-03-2025', channelType: 34 },
    request: { url: 'https://api.cohere.ai/v2/chat', auth: bearer('co-contract'), images: { data: true, remote: true } },
    answerUsage: [12, 7], streamUsage: [12, 7],
    answer: jsonAnswer('cohere/cohere-text.json'), stream: sseStream('cohere/cohere-text.chunks.txt'), sameConversation: true,
    tools: { stream: sseStream('cohere/cohere-tool-call.chunks.txt') }, errors: [],
  },
  {
    adaptor: 'bedrock', target: { ...base, baseUrl: '', key: awsKey('us-east-1'), model: 'amazon.nova-pro-v1:0', channelType: 33 },
    request: { url: 'https://bedrock-runtime.us-east-1.amazonaws.com/model/us.amazon.nova-pro-v1%3A0/converse', auth: { header: ['authorization', sigV4] }, streamUrl: 'https://bedrock-runtime.us-east-1.amazonaws.com/model/us.amazon.nova-pro-v1%3A0/converse-stream', images: { data: true, remote: false } },
    answerUsage: [22, 57], streamUsage: [22, 55],
    answer: jsonAnswer('bedrock/amazon-bedrock-text.json'), stream: converseStream('bedrock/amazon-bedrock-text.chunks.txt'), sameConversation: false,
    tools: { noRecording: 'vercel/ai holds no Converse tool-call recording; toolUse conversion is covered by bedrock-adaptor.test.ts' },
    errors: [],
  },
  {
    adaptor: 'bedrock-anthropic', target: { ...base, baseUrl: '', key: awsKey('eu-west-1'), model: 'claude-sonnet-4-5-20250929', channelType: 33 },
    request: { url: 'https://bedrock-runtime.eu-west-1.amazonaws.com/model/eu.anthropic.claude-sonnet-4-5-20250929-v1%3A0/invoke', auth: { header: ['authorization', sigV4] }, streamUrl: 'https://bedrock-runtime.eu-west-1.amazonaws.com/model/eu.anthropic.claude-sonnet-4-5-20250929-v1%3A0/invoke-with-response-stream', images: { data: true, remote: true } },
    ...anthropicText, stream: invokeStream('anthropic/anthropic-text.chunks.txt'),
    tools: { answer: anthropicTools.answer, stream: invokeStream('anthropic/anthropic-tool-no-args.chunks.txt') },
    errors: anthropicErrors,
  },
  {
    adaptor: 'vertex-gemini', target: { ...base, baseUrl: '', key: serviceAccount, model: 'gemini-2.5-flash', channelType: 41 },
    request: {
      url: 'https://aiplatform.googleapis.com/v1/projects/proj/locations/global/publishers/google/models/gemini-2.5-flash:generateContent',
      auth: { exchange: { fixture: 'google/google-oauth-token.json' }, header: ['authorization', 'Bearer ya29.contract'] }, streamUrl: 'https://aiplatform.googleapis.com/v1/projects/proj/locations/global/publishers/google/models/gemini-2.5-flash:streamGenerateContent?alt=sse', images: { data: true, remote: true },
    },
    ...geminiText, tools: geminiTools, errors: vertexErrors,
  },
  {
    adaptor: 'vertex-anthropic', target: { ...base, baseUrl: '', key: serviceAccount, model: 'claude-sonnet-4-5@20250929', other: 'us-east5', channelType: 41 },
    request: {
      url: 'https://us-east5-aiplatform.googleapis.com/v1/projects/proj/locations/us-east5/publishers/anthropic/models/claude-sonnet-4-5@20250929:rawPredict',
      auth: { exchange: { fixture: 'google/google-oauth-token.json' }, header: ['authorization', 'Bearer ya29.contract'] }, streamUrl: 'https://us-east5-aiplatform.googleapis.com/v1/projects/proj/locations/us-east5/publishers/anthropic/models/claude-sonnet-4-5@20250929:streamRawPredict?alt=sse', images: { data: true, remote: true },
    },
    ...anthropicText, stream: sseStream('anthropic/anthropic-text.chunks.txt', { eventLines: true }),
    tools: anthropicTools, errors: [...anthropicErrors, ...vertexErrors.slice(0, 2)],
  },
  {
    adaptor: 'vertex-openai', target: { ...base, baseUrl: '', key: serviceAccount, model: 'meta/llama-3.3-70b-instruct-maas', other: 'us-central1', channelType: 41 },
    request: {
      url: 'https://us-central1-aiplatform.googleapis.com/v1/projects/proj/locations/us-central1/endpoints/openapi/chat/completions',
      auth: { exchange: { fixture: 'google/google-oauth-token.json' }, header: ['authorization', 'Bearer ya29.contract'] }, images: { data: true, remote: true },
    },
    ...openAiText,
    tools: { stream: sseStream('deepseek/deepseek-tool-call.chunks.txt', { done: true }) },
    errors: vertexErrors.slice(0, 2),
  },
  {
    adaptor: 'dify', target: { ...base, baseUrl: 'https://api.dify.ai', key: 'app-contract', model: 'dify-app', channelType: 37, endUser: 'tollgate-1-2' },
    request: { url: 'https://api.dify.ai/v1/chat-messages', auth: bearer('app-contract'), images: { data: true, remote: true } },
    answerUsage: [1033, 135], streamUsage: [1033, 135],
    answer: jsonAnswer('dify/dify-chat-blocking.json'), stream: sseStream('dify/dify-chatflow-stream.chunks.txt'), sameConversation: false,
    tools: { refused: 'Dify apps run their own tools' },
    streamFailure: { stream: sseStream('dify/dify-stream-error.chunks.txt'), status: 400 },
    errors: [
      { fixture: 'dify/dify-400-invalid-param.json', status: 400 },
      { fixture: 'dify/dify-400-quota.json', status: 400, quota: true },
      { fixture: 'dify/dify-404-conversation.json', status: 404 },
    ],
  },
  {
    adaptor: 'coze', target: { ...base, baseUrl: 'https://api.coze.com', key: 'pat_contract', model: 'coze-bot', other: '7379462189365198898', channelType: 49, endUser: 'tollgate-1-2' },
    request: { url: 'https://api.coze.com/v3/chat', auth: bearer('pat_contract'), images: { data: false, remote: true } },
    answerUsage: [614, 19], streamUsage: [614, 19],
    answer: cozeAnswer('coze/coze-chat-stream.events.txt'), stream: cozeStream('coze/coze-chat-stream.events.txt'), sameConversation: true,
    tools: { refused: 'Coze bots run their own plugins' },
    streamFailure: { stream: cozeStream('coze/coze-chat-failed.events.txt'), status: 502 },
    errors: [
      { fixture: 'coze/coze-4100-authentication.json', status: 401, okBody: true },
      { fixture: 'coze/coze-4200-bot-not-found.json', status: 404, okBody: true },
    ],
  },
  {
    adaptor: 'replicate', target: { ...base, baseUrl: 'https://api.replicate.com', key: 'r8_contract', model: 'meta/meta-llama-3-70b-instruct', channelType: 56 },
    request: { url: 'https://api.replicate.com/v1/models/meta/meta-llama-3-70b-instruct/predictions', auth: bearer('r8_contract'), images: { data: false, remote: false } },
    answerUsage: [23, 7], streamUsage: [23, 7],
    answer: jsonAnswer('replicate/replicate-llama-succeeded.json'),
    stream: replicateStream('replicate/replicate-stream.sse.txt', 'replicate/replicate-llama-stream-succeeded.json'), sameConversation: false,
    tools: { refused: 'Replicate predictions take a prompt, not tools' },
    streamFailure: { stream: wireStream('replicate/replicate-stream-error.sse.txt'), status: 502 },
    errors: [
      { fixture: 'replicate/replicate-401.json', status: 401 },
      { fixture: 'replicate/replicate-402.json', status: 402, quota: true },
      { fixture: 'replicate/replicate-404.json', status: 404 },
      { fixture: 'replicate/replicate-429.json', status: 429 },
    ],
  },
  {
    adaptor: 'zhipu-v3', target: { ...base, baseUrl: 'https://open.bigmodel.cn', key: 'key-id.key-secret', model: 'chatglm_turbo', channelType: 16 },
    request: { url: 'https://open.bigmodel.cn/api/paas/v3/model-api/chatglm_turbo/invoke', auth: { header: ['authorization', /^eyJ[\w-]+\.[\w-]+\.[\w-]+$/] }, streamUrl: 'https://open.bigmodel.cn/api/paas/v3/model-api/chatglm_turbo/sse-invoke', images: { data: false, remote: false } },
    answerUsage: [2, 28], streamUsage: [2, 16],
    answer: jsonAnswer('zhipu/chatglm-text.json'), stream: wireStream('zhipu/chatglm-text.sse.txt'), sameConversation: false,
    tools: { refused: 'the v3 model API has no tools (v4, type 26, is OpenAI-compatible)' },
    streamFailure: { stream: failureEvent('zhipu/chatglm-error-1261.json', 'error'), status: 400 },
    errors: [
      { fixture: 'zhipu/chatglm-error-1002.json', status: 401, okBody: true },
      { fixture: 'zhipu/chatglm-error-1261.json', status: 400, okBody: true },
      { fixture: 'zhipu/chatglm-error-1301.json', status: 400, okBody: true },
    ],
  },
  {
    adaptor: 'baidu-ernie', target: { ...base, baseUrl: 'https://aip.baidubce.com', key: 'contract-api-key|contract-secret-key', model: 'ERNIE-4.0-8K', channelType: 15 },
    request: {
      url: 'https://aip.baidubce.com/rpc/2.0/ai_custom/v1/wenxinworkshop/chat/completions_pro',
      auth: { exchange: { fixture: 'baidu/ernie-token.json' }, query: ['access_token', /^24\./] }, images: { data: false, remote: false },
    },
    answerUsage: [7, 67], streamUsage: [5, 32],
    answer: jsonAnswer('baidu/ernie-text.json'), stream: sseStream('baidu/ernie-text.chunks.txt'), sameConversation: false,
    tools: { answer: jsonAnswer('baidu/ernie-function-call.json'), stream: sseStream('baidu/ernie-function-call.chunks.txt') },
    streamFailure: { stream: failureEvent('baidu/ernie-error-18.json'), status: 429 },
    errors: [
      { fixture: 'baidu/ernie-error-110.json', status: 401, okBody: true },
      { fixture: 'baidu/ernie-error-18.json', status: 429, okBody: true },
      { fixture: 'baidu/ernie-error-17.json', status: 429, okBody: true, quota: true },
      { fixture: 'baidu/ernie-error-336003.json', status: 400, okBody: true },
    ],
  },
  {
    adaptor: 'tencent-hunyuan', target: { ...base, baseUrl: 'https://hunyuan.tencentcloudapi.com', key: '1300000000|AKIDexampleSecretId|exampleSecretKey', model: 'hunyuan-turbo', channelType: 23 },
    request: {
      url: 'https://hunyuan.tencentcloudapi.com/',
      auth: { header: ['authorization', /^TC3-HMAC-SHA256 Credential=AKIDexampleSecretId\/\d{4}-\d{2}-\d{2}\/hunyuan\/tc3_request, SignedHeaders=[a-z;-]+, Signature=[0-9a-f]{64}$/] },
      images: { data: false, remote: false },
    },
    answerUsage: [3, 9], streamUsage: [3, 9],
    answer: jsonAnswer('tencent/hunyuan-text.json'), stream: sseStream('tencent/hunyuan-text.chunks.txt'), sameConversation: true,
    tools: { answer: jsonAnswer('tencent/hunyuan-tool-call.json'), stream: sseStream('tencent/hunyuan-tool-call.chunks.txt') },
    streamFailure: { stream: failureEvent('tencent/hunyuan-limit-exceeded.json'), status: 429 },
    errors: [
      { fixture: 'tencent/hunyuan-auth-failure.json', status: 401, okBody: true },
      { fixture: 'tencent/hunyuan-limit-exceeded.json', status: 429, okBody: true },
      { fixture: 'tencent/hunyuan-in-arrears.json', status: 429, okBody: true, quota: true },
    ],
  },
  {
    adaptor: 'ollama', target: { ...base, baseUrl: 'http://ollama.local:11434', key: 'ollama-proxy-key', model: 'llama3.2', channelType: 4 },
    request: { url: 'http://ollama.local:11434/api/chat', auth: bearer('ollama-proxy-key'), images: { data: true, remote: false } },
    answerUsage: [26, 9], streamUsage: [26, 9],
    answer: jsonAnswer('ollama/ollama-chat.json'), stream: wireStream('ollama/ollama-chat-text.ndjson'), sameConversation: true,
    tools: { answer: jsonAnswer('ollama/ollama-chat-tool-call.json'), stream: wireStream('ollama/ollama-chat-tool-call.ndjson') },
    errors: [{ fixture: 'ollama/ollama-404-model.json', status: 404 }],
  },
  {
    adaptor: 'xunfei', target: { ...base, baseUrl: 'https://spark-api.xf-yun.com', key: 'app1|secret1|key1', model: 'spark', other: 'v3.5', channelType: 18 },
    request: { url: /^wss:\/\/spark-api\.xf-yun\.com\/v3\.5\/chat\?/, auth: { query: ['authorization', /^[A-Za-z0-9+/=]+$/] }, images: { data: false, remote: false } },
    answerUsage: [5, 16], streamUsage: [5, 16],
    answer: sparkAnswer('xunfei/spark-text.frames.txt'), stream: sseStream('xunfei/spark-text.frames.txt'), sameConversation: true,
    tools: { answer: sparkAnswer('xunfei/spark-function-call.frames.txt'), stream: sseStream('xunfei/spark-function-call.frames.txt') },
    errors: [
      { fixture: 'xunfei/spark-error-10013.json', status: 400, okBody: true },
      { fixture: 'xunfei/spark-error-10907.json', status: 400, okBody: true },
      { fixture: 'xunfei/spark-error-11200.json', status: 401, okBody: true },
    ],
  },
  // OpenAI-compatible vendors are one adaptor configured per vendor (vendors.ts): DeepSeek stands for those without a request hook.
  {
    adaptor: 'deepseek', target: { ...base, baseUrl: 'https://api.deepseek.com', key: 'ds-contract', model: 'deepseek-reasoner', channelType: 43 },
    request: { url: 'https://api.deepseek.com/v1/chat/completions', auth: bearer('ds-contract'), images: { data: true, remote: true } },
    // DeepSeek's only recorded stream is its tool-call one (reasoning, then the call): it serves both cases.
    answerUsage: [18, 345], streamUsage: [339, 83],
    answer: jsonAnswer('deepseek/deepseek-reasoning.json'), stream: sseStream('deepseek/deepseek-tool-call.chunks.txt', { done: true }), sameConversation: false,
    tools: { stream: sseStream('deepseek/deepseek-tool-call.chunks.txt', { done: true }) },
    errors: [{
      fixture: 'deepseek/deepseek-402-insufficient-balance.json', status: 402,
      retryException: { retryable: true, why: 'DeepSeek\'s 402 is one account\'s empty balance; vendors.test.ts moves it to a funded channel on purpose (the body has no quota code)' },
    }],
  },
  {
    adaptor: 'openrouter', target: { ...base, baseUrl: 'https://openrouter.ai/api', key: 'or-contract', model: 'deepseek/deepseek-r1', channelType: 20 },
    request: { url: 'https://openrouter.ai/api/v1/chat/completions', auth: bearer('or-contract'), images: { data: true, remote: true } },
    answerUsage: [14, 30], streamUsage: [41, 58],
    answer: jsonAnswer('openrouter/openrouter-reasoning.json'), stream: sseStream('openrouter/openrouter-reasoning.chunks.txt', { done: true }), sameConversation: false,
    tools: { stream: sseStream('openai-compatible/groq-tool-call.chunks.txt', { done: true }) }, errors: [],
  },
]
