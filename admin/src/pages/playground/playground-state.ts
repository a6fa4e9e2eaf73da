/** What the playground keeps in its draft (typed text and choices; never keys, answers or media bytes). */
import { query } from '@solidjs/router'
import type { ChatUsage } from '../../lib/chat-stream.ts'
import { mediaRoutes } from '../../lib/media.ts'

export type PlaygroundMode = 'chat' | 'image' | 'speech' | 'realtime'

export interface ChatTurn {
  role: 'user' | 'assistant' | 'error'
  content: string
  reasoning?: string
  usage?: ChatUsage
  milliseconds?: number
  firstTokenMilliseconds?: number
}

export interface PlaygroundState {
  mode: PlaygroundMode
  tokenId: number | null
  model: string
  stream: boolean
  temperature: string
  maxTokens: string
  system: string
  input: string
  turns: ChatTurn[]
  imageModel: string
  imagePrompt: string
  imageSize: string
  imageCount: string
  imageQuality: string
  speechModel: string
  speechText: string
  speechVoice: string
  speechFormat: string
  realtimeModel: string
  realtimeInput: string
}

export const initialPlaygroundState: PlaygroundState = {
  mode: 'chat', tokenId: null, model: '', stream: true, temperature: '', maxTokens: '', system: '', input: '', turns: [],
  imageModel: '', imagePrompt: '', imageSize: '1024x1024', imageCount: '1', imageQuality: '',
  speechModel: '', speechText: '', speechVoice: 'alloy', speechFormat: 'mp3',
  realtimeModel: '', realtimeInput: '',
}

/** The selected key as the media modes need it: the secret, or why there is none yet. */
export type KeyState = { secret: string } | { problem: string }

/**
 * Which media routes this gateway serves. Asked with an empty body and no key, a served relay route refuses the
 * request (400 naming the missing field, or 401), with nothing reserved or logged since no key was given; an unknown
 * one answers 404. A probe that fails to connect offers the mode: its own request then shows what is wrong.
 */
export const getMediaRoutes = query(async (): Promise<Record<keyof typeof mediaRoutes, boolean>> => {
  const served = async (path: string) => {
    try {
      const response = await fetch(path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' })
      await response.body?.cancel()
      return response.status !== 404
    } catch {
      return true
    }
  }
  const [image, speech] = await Promise.all([served(mediaRoutes.image), served(mediaRoutes.speech)])
  return { image, speech }
}, 'playground-media-routes')
