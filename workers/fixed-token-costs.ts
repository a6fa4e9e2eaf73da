/**
 * Fixed token figures for what is not counted exactly (new-api's current numbers), shared by the worker-side
 * count and the main-thread estimate so both agree.
 */

/** Chat format overhead per message, per `name` field, and the reply priming (<|start|>assistant<|message|>). */
export const TOKENS_PER_MESSAGE = 3
export const TOKENS_PER_NAME = 1
export const REPLY_PRIMING_TOKENS = 3
/** One image for a model that is not an OpenAI model (no published formula). */
export const NON_OPENAI_IMAGE_TOKENS = 520
export const AUDIO_PART_TOKENS = 256
export const VIDEO_PART_TOKENS = 8192
export const FILE_PART_TOKENS = 4096
