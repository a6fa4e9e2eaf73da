/**
 * A stream conversion for pool tests (loaded in workers through the `conversionModule` option). It numbers the
 * events it has seen, so a conversion whose state was lost (a worker died and nothing was replayed) restarts at 1
 * and the tests see it. Provider 'broken' fails to build, like an unknown adaptor would.
 */
import { emptyUsage, type ClientError, type SseEvent, type StreamConversion, type StreamConversionSpec } from '../../src/providers/types.ts'

export function createStreamConversion(spec: StreamConversionSpec): StreamConversion {
  if (spec.provider === 'broken') throw new Error(`unknown provider ${spec.provider}`)
  let seen = 0
  return {
    push(event: SseEvent): SseEvent[] {
      seen++
      if (event.data === 'spin') {
        // Keeps the worker busy so a test can stop it mid-request.
        const until = Date.now() + 2000
        while (Date.now() < until);
      }
      return [{ data: `${seen}:${event.data.toUpperCase()}` }]
    },
    flush: () => [{ data: `${spec.id}:done` }],
    usage: () => ({ ...emptyUsage(), outputTokens: seen }),
    upstreamError: () => null,
    fail: (error: ClientError) => [{ event: 'error', data: error.message }],
  }
}
