import { describe, expect, test } from 'bun:test'
import { createMemoryStateStore } from '../../channels/state-store.ts'
import { ConversionError } from '../errors.ts'
import { providerForChannelType } from '../index.ts'
import { readFixtureJson, readFixtureText } from '../replay-fixture.ts'
import type { ImageRequest, PrepareIo, UpstreamTarget } from '../types.ts'
import { wanxImages } from './wanx-images.ts'

/** Wanx request / answer mapping and the task follow-up, against answers built from DashScope's API reference (fixtures/upstream/ali/). */

const target = (model = 'wanx2.1-t2i-turbo'): UpstreamTarget => ({ baseUrl: 'https://dashscope.aliyuncs.com', key: 'sk-ali', model, stream: false, other: '', setting: {}, channelType: 17 })
const image = (fields: Partial<ImageRequest> = {}): ImageRequest => ({ operation: 'generations', prompt: '一间花店', n: 1, responseFormat: 'url', images: [], ...fields })
const json = (name: string, status = 200) => new Response(readFixtureText(`ali/${name}`), { status, headers: { 'content-type': 'application/json' } })
const mapError = (status: number, text: string) => providerForChannelType(17)!.chat!.mapError(status, text)

/** Task queries answered from `answers` in order, each URL and header set remembered. */
function pollingIo(answers: Response[]): PrepareIo & { polls: { url: string; headers: Record<string, string> }[] } {
  const polls: { url: string; headers: Record<string, string> }[] = []
  return {
    polls,
    post: async () => { throw new Error('no side POST expected') },
    get: async (url, headers) => {
      polls.push({ url, headers })
      const next = answers.shift()
      if (!next) throw new Error('more polls than answers')
      return next
    },
    download: async () => { throw new Error('no download expected') },
    state: createMemoryStateStore(),
  }
}

describe('Wanx request', () => {
  test('the asynchronous submit: X-DashScope-Async, Bearer key, input.prompt, n and size as width*height', () => {
    const built = wanxImages.request(image({ n: 2, size: '1024x768' }), target())
    expect(built.url).toBe('https://dashscope.aliyuncs.com/api/v1/services/aigc/text2image/image-synthesis')
    expect(built.headers).toEqual({ 'content-type': 'application/json', authorization: 'Bearer sk-ali', 'x-dashscope-async': 'enable' })
    expect(built.body).toEqual({ model: 'wanx2.1-t2i-turbo', input: { prompt: '一间花店' }, parameters: { n: 2, size: '1024*768' } })
  })

  test('no size (or auto) leaves DashScope its default', () => {
    expect(wanxImages.request(image({ size: 'auto' }), target()).body.parameters).toEqual({ n: 1 })
  })

  test('sizes Wanx cannot make and more than 4 images are 400s naming the field', () => {
    const refusal = (request: ImageRequest, model?: string) => {
      try {
        wanxImages.request(request, target(model))
      } catch (error) {
        return error instanceof ConversionError ? { param: error.param, message: error.message } : error
      }
      return undefined
    }
    expect(refusal(image({ size: '256x256' }))).toMatchObject({ param: 'size', message: expect.stringContaining('512 to 1440') })
    expect(refusal(image({ size: '2048x1024' }))).toMatchObject({ param: 'size' })
    expect(refusal(image({ size: 'square' }))).toMatchObject({ param: 'size' })
    expect(refusal(image({ size: '512x512' }), 'wanx-v1')).toMatchObject({ param: 'size', message: expect.stringContaining('1024x1024, 720x1280, 768x1152, 1280x720') })
    expect(wanxImages.request(image({ size: '720x1280' }), target('wanx-v1')).body.parameters).toEqual({ n: 1, size: '720*1280' })
    expect(refusal(image({ n: 5 }))).toMatchObject({ param: 'n' })
  })
})

describe('Wanx answer', () => {
  test('results[] become data[].url with actual_prompt as revised_prompt; refused sub-results are left out', () => {
    expect(wanxImages.parse(readFixtureJson('ali/wanx-task-succeeded.json'), image()).data).toEqual([
      { url: 'https://dashscope-result-wlcb.oss-cn-wulanchabu.aliyuncs.com/1d/f3/20261202/wanx-0001.png', revised_prompt: '一间有着精致雕花窗户的花店，漂亮的深色木质门上挂着铜制把手，店内摆放着各式各样的鲜花。' },
      { url: 'https://dashscope-result-wlcb.oss-cn-wulanchabu.aliyuncs.com/1d/f3/20261202/wanx-0002.png', revised_prompt: '一间有着精致窗户的花店，暖色灯光从木质门透出，门口摆满鲜花。' },
    ])
    expect(wanxImages.parse(readFixtureJson('ali/wanx-task-partial.json'), image()).data).toHaveLength(1)
  })
})

describe('Wanx task follow-up', () => {
  test('polls the task with the key until it ends; the finished task stands in for the submit answer', async () => {
    const io = pollingIo([json('wanx-task-running.json'), json('wanx-task-succeeded.json')])
    const built = wanxImages.request(image({ n: 2 }), target())
    const answer = await built.read!(json('wanx-submit.json'), io)
    expect(answer.status).toBe(200)
    expect(io.polls).toEqual([1, 2].map(() => ({ url: 'https://dashscope.aliyuncs.com/api/v1/tasks/0385dc79-5ff8-4d82-bcb6-2f0a2a5a0001', headers: { authorization: 'Bearer sk-ali' } })))
    expect(wanxImages.parse(await answer.json() as Record<string, unknown>, image()).data).toHaveLength(2)
  })

  test('a submit refused for its content is OpenAI\'s content_policy_violation, a 400 that is not retried', async () => {
    const answer = await wanxImages.request(image(), target()).read!(json('wanx-error-data-inspection.json', 400), pollingIo([]))
    const error = mapError(answer.status, await answer.text())
    expect(error).toMatchObject({ status: 400, code: 'content_policy_violation', retryable: false })
    expect(error.message).toContain('Input data may contain inappropriate content.')
  })

  test('other submit failures pass through for the error mapping: a bad key 401, throttling 429 (retryable)', async () => {
    const key = await wanxImages.request(image(), target()).read!(json('wanx-error-invalid-api-key.json', 401), pollingIo([]))
    expect(mapError(key.status, await key.text())).toMatchObject({ status: 401, code: 'InvalidApiKey', message: 'Invalid API-key provided.' })
    const throttled = await wanxImages.request(image(), target()).read!(json('wanx-error-throttling.json', 429), pollingIo([]))
    expect(mapError(throttled.status, await throttled.text())).toMatchObject({ status: 429, code: 'Throttling', retryable: true })
  })

  test('a FAILED task is a retryable 502 with DashScope\'s code and message', async () => {
    const answer = await wanxImages.request(image(), target()).read!(json('wanx-submit.json'), pollingIo([json('wanx-task-failed.json')]))
    expect(mapError(answer.status, await answer.text())).toMatchObject({ status: 502, code: 'InternalError', retryable: true, message: expect.stringContaining('internal error') })
  })

  test('a task whose every image was refused is a content-policy 400', async () => {
    const answer = await wanxImages.request(image(), target()).read!(json('wanx-submit.json'), pollingIo([json('wanx-task-refused.json')]))
    expect(mapError(answer.status, await answer.text())).toMatchObject({ status: 400, code: 'content_policy_violation', retryable: false })
  })

  test('a task still running at the channel\'s image_task_timeout ends in a 504 that is not retried', async () => {
    const slow = { ...target(), setting: { image_task_timeout: 1 } }
    const started = performance.now()
    const answer = await wanxImages.request(image(), slow).read!(json('wanx-submit.json'), pollingIo([json('wanx-task-running.json')]))
    expect(performance.now() - started).toBeLessThan(1900)
    expect(mapError(answer.status, await answer.text())).toMatchObject({ status: 504, code: 'task_timeout', retryable: false, message: expect.stringContaining('RUNNING after 1 s') })
  })
})
