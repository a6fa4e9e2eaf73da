/**
 * Prompt tokens of an OpenAI Chat Completions request, counted the classic new-api / OpenAI-cookbook way:
 *   3 per message + its role + its text parts (+1 and the name when `name` is set),
 *   tool calls of assistant messages: each call's function name + arguments text,
 *   `tools` (and legacy `functions`): the tokens of their JSON text,
 *   + 3 for the reply priming (<|start|>assistant<|message|>).
 * For gpt-4o-class models with plain messages this equals gpt-tokenizer's own `encodeChat` length.
 *
 * Media parts (fixed numbers are new-api's current ones):
 *   image_url, OpenAI models: the tile/patch formula on the image's real dimensions (count-image-tokens.ts);
 *     `detail: low` on tile models costs the base without reading the image; when media counting is off
 *     (GET_MEDIA_TOKEN=false, or GET_MEDIA_TOKEN_NOT_STREAM=false for a non-stream request) or the image cannot be
 *     read (broken base64, not an image, 404, refused URL, too big, timeout): 3 x base (255 for gpt-4o).
 *   image_url, other models: 520 each; for gemini models only the first GEMINI_VISION_MAX_IMAGE_NUM images count.
 *   input_audio: 256, video_url: 8192, file: 4096.
 * `estimated` is true when any part is not an exact count: a non-OpenAI model, a fixed media number, or text the
 * pathological-input guard had to extrapolate.
 */
import { fixedImageEstimate, computeImageTokens, readImageDimensions, selectImageRates } from './count-image-tokens.ts'
import { countWithGuard, loadEncoding, normaliseModelName, selectEncoding, type LoadedEncoding } from './count-text-tokens.ts'
import {
  AUDIO_PART_TOKENS,
  FILE_PART_TOKENS,
  NON_OPENAI_IMAGE_TOKENS,
  REPLY_PRIMING_TOKENS,
  TOKENS_PER_MESSAGE,
  TOKENS_PER_NAME,
  VIDEO_PART_TOKENS,
} from './fixed-token-costs.ts'
import type { MediaOptions, TokenCountResult } from './protocol.ts'

const defaultFetchTimeoutMs = 5000
/** Images read at once for one request: enough to overlap network waits, few enough not to flood a host. */
const imageReadConcurrency = 4

export interface ChatCountContext {
  media: MediaOptions
  stream: boolean
  signal?: AbortSignal
}

interface ImagePart {
  url: string
  detail: string
}

/** Runs `work` over `items` with at most `limit` in flight, keeping result order. */
async function mapWithLimit<Item, Result>(items: Item[], limit: number, work: (item: Item) => Promise<Result>): Promise<Result[]> {
  const results = new Array<Result>(items.length)
  let next = 0
  const runners = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const index = next++
      results[index] = await work(items[index]!)
    }
  })
  await Promise.all(runners)
  return results
}

class Tally {
  tokens = 0
  estimated = false
  warnings: string[] = []
  constructor(private readonly encoding: LoadedEncoding) {}

  addText(text: unknown): void {
    if (typeof text !== 'string' || text.length === 0) return
    const counted = countWithGuard(this.encoding, text)
    this.tokens += counted.tokens
    if (counted.capped && !this.warnings.includes('text-capped')) {
      this.estimated = true
      this.warnings.push('text-capped')
    }
  }

  addFixed(tokens: number, warning?: string): void {
    this.tokens += tokens
    this.estimated = true
    if (warning) this.warnings.push(warning)
  }

  result(): TokenCountResult {
    return this.warnings.length > 0
      ? { tokens: this.tokens, estimated: this.estimated, warnings: this.warnings }
      : { tokens: this.tokens, estimated: this.estimated }
  }
}

function readImagePart(part: Record<string, unknown>): ImagePart | null {
  const imageUrl = part.image_url
  if (typeof imageUrl === 'string') return { url: imageUrl, detail: 'auto' }
  if (imageUrl && typeof imageUrl === 'object') {
    const { url, detail } = imageUrl as Record<string, unknown>
    if (typeof url === 'string' && url !== '') return { url, detail: typeof detail === 'string' ? detail : 'auto' }
  }
  return null
}

function addToolCalls(tally: Tally, message: Record<string, unknown>): void {
  const calls = Array.isArray(message.tool_calls) ? message.tool_calls : []
  const legacyCall = message.function_call
  for (const call of [...calls, ...(legacyCall ? [{ function: legacyCall }] : [])]) {
    const fn = (call as Record<string, unknown>)?.function as Record<string, unknown> | undefined
    if (!fn) continue
    tally.addText(fn.name)
    tally.addText(typeof fn.arguments === 'string' ? fn.arguments : fn.arguments === undefined ? '' : JSON.stringify(fn.arguments))
  }
}

async function addImages(tally: Tally, images: ImagePart[], model: string, exactModel: boolean, context: ChatCountContext): Promise<void> {
  const { media } = context
  const name = normaliseModelName(model)
  let counted = images
  if (name.includes('gemini') && media.geminiVisionMaxImageNum >= 0 && images.length > media.geminiVisionMaxImageNum) {
    counted = images.slice(0, media.geminiVisionMaxImageNum)
    tally.warnings.push(`images-over-gemini-limit:${images.length - counted.length}`)
  }
  if (!exactModel) {
    if (counted.length > 0) tally.addFixed(counted.length * NON_OPENAI_IMAGE_TOKENS)
    return
  }
  const rates = selectImageRates(model)
  const readAllowed = media.getMediaToken && (media.getMediaTokenNotStream || context.stream)
  const toRead: ImagePart[] = []
  for (const image of counted) {
    if (image.detail === 'low' && rates.kind === 'tile') tally.tokens += rates.base
    else if (!readAllowed) tally.addFixed(fixedImageEstimate(rates))
    else toRead.push(image)
  }
  if (!readAllowed && counted.length > 0) tally.warnings.push('media-counting-off')
  const fetchOptions = {
    maxBytes: Math.max(1, media.maxFileDownloadMb) * 1024 * 1024,
    timeoutMs: media.fetchTimeoutMs ?? defaultFetchTimeoutMs,
    allowPrivateHosts: media.allowPrivateHosts ?? [],
    signal: context.signal,
  }
  const dimensions = await mapWithLimit(toRead, imageReadConcurrency, (image) => readImageDimensions(image.url, fetchOptions))
  dimensions.forEach((result, index) => {
    if (result.ok) tally.tokens += computeImageTokens(rates, result.width, result.height, toRead[index]!.detail)
    else tally.addFixed(fixedImageEstimate(rates), `image ${index}: ${result.reason}`)
  })
}

export async function countChatPromptTokens(model: string, body: Record<string, unknown>, context: ChatCountContext): Promise<TokenCountResult> {
  const choice = selectEncoding(model)
  const tally = new Tally(await loadEncoding(choice.encoding))
  if (!choice.exact) {
    tally.estimated = true
    tally.warnings.push('non-openai-model')
  }
  // The 0301 snapshot used a different chat format (OpenAI cookbook).
  const legacyFormat = normaliseModelName(model).startsWith('gpt-3.5-turbo-0301')
  const perMessage = legacyFormat ? 4 : TOKENS_PER_MESSAGE
  const perName = legacyFormat ? -1 : TOKENS_PER_NAME

  const images: ImagePart[] = []
  const messages = Array.isArray(body.messages) ? body.messages : []
  for (const entry of messages) {
    if (!entry || typeof entry !== 'object') continue
    const message = entry as Record<string, unknown>
    tally.tokens += perMessage
    tally.addText(message.role)
    if (typeof message.name === 'string') {
      tally.tokens += perName
      tally.addText(message.name)
    }
    const content = message.content
    if (typeof content === 'string') {
      tally.addText(content)
    } else if (Array.isArray(content)) {
      for (const rawPart of content) {
        if (!rawPart || typeof rawPart !== 'object') continue
        const part = rawPart as Record<string, unknown>
        switch (part.type) {
          case 'image_url': {
            const image = readImagePart(part)
            if (image) images.push(image)
            break
          }
          case 'input_audio':
            tally.addFixed(AUDIO_PART_TOKENS)
            break
          case 'video_url':
            tally.addFixed(VIDEO_PART_TOKENS)
            break
          case 'file':
            tally.addFixed(FILE_PART_TOKENS)
            break
          case 'refusal':
            tally.addText(part.refusal)
            break
          default:
            tally.addText(part.text)
        }
      }
    }
    addToolCalls(tally, message)
  }
  if (Array.isArray(body.tools) && body.tools.length > 0) tally.addText(JSON.stringify(body.tools))
  if (Array.isArray(body.functions) && body.functions.length > 0) tally.addText(JSON.stringify(body.functions))
  tally.tokens += REPLY_PRIMING_TOKENS

  await addImages(tally, images, model, choice.exact, context)
  return tally.result()
}

/** Tokens of plain text inputs (completions prompts, embeddings inputs, a completion's text); arrays are summed. */
export async function countTextTokens(model: string, text: string | string[]): Promise<TokenCountResult> {
  const choice = selectEncoding(model)
  const tally = new Tally(await loadEncoding(choice.encoding))
  if (!choice.exact) {
    tally.estimated = true
    tally.warnings.push('non-openai-model')
  }
  // Each input of a batch is tokenized on its own by the API, so pieces are counted separately and summed.
  for (const piece of Array.isArray(text) ? text : [text]) tally.addText(piece)
  return tally.result()
}
