/**
 * Entry of one pool worker thread (see protocol.ts for the message order). Holds the tokenizer encodings it has
 * loaded and the state of the stream conversions pinned to it.
 */
import type { StreamConversion, StreamConversionSpec } from '../src/providers/types.ts'
import { countChatPromptTokens, countTextTokens } from './count-chat-tokens.ts'
import { loadEncoding } from './count-text-tokens.ts'
import type { MediaOptions, WorkerRequest, WorkerResponse } from './protocol.ts'

declare const self: Worker

interface ConversionEntry {
  conversion: Promise<StreamConversion>
  /** Requests for one conversion run strictly in order, even though loading the module is asynchronous. */
  chain: Promise<void>
}

let media: MediaOptions = { getMediaToken: true, getMediaTokenNotStream: true, maxFileDownloadMb: 20, geminiVisionMaxImageNum: 16 }
let conversionModule: string | undefined
let conversionFactory: Promise<(spec: StreamConversionSpec) => StreamConversion> | null = null
const taskControllers = new Map<number, AbortController>()
const conversions = new Map<number, ConversionEntry>()

function post(message: WorkerResponse): void {
  self.postMessage(message)
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

function loadConversionFactory(): Promise<(spec: StreamConversionSpec) => StreamConversion> {
  // The default is a literal import so that the compiled binary bundles it (a computed path is not bundled).
  conversionFactory ??= (conversionModule ? import(conversionModule) : import('../src/providers/index.ts')).then((module: { createStreamConversion?: (spec: StreamConversionSpec) => StreamConversion }) => {
    if (typeof module.createStreamConversion !== 'function') throw new Error(`${conversionModule ?? 'src/providers/index.ts'} does not export createStreamConversion`)
    return module.createStreamConversion
  })
  return conversionFactory
}

function runCount(id: number, work: (signal: AbortSignal) => Promise<{ tokens: number; estimated: boolean; warnings?: string[] }>): void {
  const controller = new AbortController()
  taskControllers.set(id, controller)
  work(controller.signal)
    .then((result) => post({ kind: 'count-result', id, ...result }))
    .catch((error) => post({ kind: 'task-error', id, message: errorMessage(error) }))
    .finally(() => taskControllers.delete(id))
}

function runStreamStep(id: number, conversionId: number, step: (conversion: StreamConversion) => WorkerResponse, last: boolean): void {
  const entry = conversions.get(conversionId)
  if (!entry) {
    post({ kind: 'task-error', id, message: `unknown stream conversion ${conversionId}` })
    return
  }
  entry.chain = entry.chain
    .then(async () => post(step(await entry.conversion)))
    .catch((error) => post({ kind: 'task-error', id, message: errorMessage(error) }))
  if (last) conversions.delete(conversionId)
}

function handle(request: WorkerRequest): void {
  switch (request.kind) {
    case 'configure':
      media = request.media
      conversionModule = request.conversionModule
      for (const name of request.preloadEncodings) void loadEncoding(name).catch(() => {})
      post({ kind: 'ready' })
      return
    case 'count-chat':
      runCount(request.id, (signal) => countChatPromptTokens(request.model, request.body, { media, stream: request.stream, signal }))
      return
    case 'count-text':
      runCount(request.id, () => countTextTokens(request.model, request.text))
      return
    case 'cancel':
      taskControllers.get(request.id)?.abort()
      return
    case 'stream-open': {
      const conversion = loadConversionFactory().then((create) => create(request.spec))
      // A failed open is reported by the conversion's next request, not as an unhandled rejection.
      conversion.catch(() => {})
      conversions.set(request.conversionId, { conversion, chain: Promise.resolve() })
      return
    }
    case 'stream-push':
      runStreamStep(
        request.id,
        request.conversionId,
        (conversion) => ({
          kind: 'stream-output',
          id: request.id,
          events: request.events.flatMap((event) => conversion.push(event)),
          usage: null,
          upstreamError: conversion.upstreamError(),
        }),
        false,
      )
      return
    case 'stream-flush':
      runStreamStep(
        request.id,
        request.conversionId,
        (conversion) => {
          const events = conversion.flush()
          return { kind: 'stream-output', id: request.id, events, usage: conversion.usage(), upstreamError: conversion.upstreamError() }
        },
        true,
      )
      return
    case 'stream-fail':
      runStreamStep(
        request.id,
        request.conversionId,
        (conversion) => {
          const events = conversion.fail(request.error)
          return { kind: 'stream-output', id: request.id, events, usage: conversion.usage(), upstreamError: conversion.upstreamError() }
        },
        true,
      )
      return
    case 'stream-close':
      conversions.delete(request.conversionId)
      return
  }
}

self.onmessage = (event: MessageEvent<WorkerRequest>) => handle(event.data)
