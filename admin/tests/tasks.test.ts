/**
 * The console's task page in Chromium against the real gateway and local mock Midjourney-Proxy and Suno-API servers:
 * tasks submitted with a token move to SUCCESS on the mocks' clocks, then the page shows the Midjourney image (loaded
 * through the gateway's /mj/image route, decoded by the browser) with its follow-up buttons, one of which is
 * submitted from the page, and the Suno song with an audio player. Screenshots at 1366x768.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import type { Browser, Page } from 'playwright-core'
import { startMockMidjourney, startMockSuno, until, type MockTaskUpstream } from '../../src/testing/mock-task-upstreams.ts'
import { apiCall, chromiumPath, ensureAdminBuilt, hasChromium, launchBrowser, newPage, screenshot, signInCookie, startGateway, type GatewayProcess } from './harness.ts'

const rootPassword = 'tasks-test-password'

if (!hasChromium) console.warn(`[admin task tests] skipped: no Chromium at ${chromiumPath}`)

describe.skipIf(!hasChromium)('task pages in Chromium', () => {
  let midjourney: MockTaskUpstream
  let suno: MockTaskUpstream
  let gateway: GatewayProcess
  let browser: Browser
  let page: Page
  let key: string
  const ids: { mj?: string; suno?: string } = {}

  const post = async (path: string, body: unknown) =>
    (await fetch(gateway.url + path, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(body) })).json() as Promise<any>
  const get = async (path: string) => (await fetch(gateway.url + path, { headers: { authorization: `Bearer ${key}` } })).json() as Promise<any>

  beforeAll(async () => {
    ensureAdminBuilt()
    midjourney = await startMockMidjourney({ keys: ['mj-key'], stepMs: 100 })
    suno = await startMockSuno({ key: 'suno-key', stepMs: 100 })
    gateway = await startGateway({ INITIAL_ROOT_PASSWORD: rootPassword, LOG_FLUSH_INTERVAL_MS: '200', TASK_POLL_INTERVAL_MS: '100' })
    const cookie = await signInCookie(gateway.url, 'root', rootPassword)
    await apiCall(gateway.url, cookie, 'POST', '/api/channel/', { mode: 'single', channel: { type: 2, name: 'mj proxy', key: 'mj-key', base_url: midjourney.url, models: 'mj_imagine', group: 'default' } })
    await apiCall(gateway.url, cookie, 'POST', '/api/channel/', { mode: 'single', channel: { type: 36, name: 'suno', key: 'suno-key', base_url: suno.url, models: 'suno_music', group: 'default' } })
    const token = await apiCall<{ id: number }>(gateway.url, cookie, 'POST', '/api/token/', { name: 'tasks key', unlimited_quota: true })
    key = `sk-${(await apiCall<{ key: string }>(gateway.url, cookie, 'POST', `/api/token/${token.id}/key`)).key}`
    ids.mj = (await post('/mj/submit/imagine', { prompt: 'a lighthouse at dusk' })).result
    ids.suno = (await post('/suno/submit/music', { prompt: 'sea shanty', title: 'Lighthouse song' })).data
    await until(() => get(`/mj/task/${ids.mj}/fetch`), (task) => task.status === 'SUCCESS')
    await until(() => get(`/suno/fetch/${ids.suno}`), (answer) => answer.data?.status === 'SUCCESS')
    browser = await launchBrowser()
    const opened = await newPage(browser, gateway.url, { width: 1366, height: 768 })
    page = opened.page
    await opened.context.addCookies([{ name: 'session', value: decodeURIComponent(cookie.split('=')[1]!), url: gateway.url }])
  }, 60_000)

  afterAll(async () => {
    await browser?.close()
    await gateway?.stop()
    await midjourney?.stop()
    await suno?.stop()
  })

  test('Midjourney: the finished image is shown through /mj/image, with its status and follow-up buttons', async () => {
    await page.goto('/tasks')
    const row = page.locator('[data-testid=mj-tasks-table] tbody tr', { hasText: ids.mj! })
    await row.waitFor()
    expect(await row.textContent()).toContain('SUCCESS')
    expect(await row.textContent()).toContain('U1')
    const image = row.locator('img.task-thumbnail')
    expect(await image.getAttribute('src')).toBe(`/mj/image/${ids.mj}`)
    await until(() => image.evaluate((element) => ((element as HTMLImageElement).complete ? (element as HTMLImageElement).naturalWidth : 0)), (width) => width > 0)
    await screenshot(page, 'tasks-midjourney')

    // A follow-up button submits the action through the relay with the picked key, to the producing channel.
    expect(await page.locator('[data-testid=action-token] option').allTextContents()).toEqual(['tasks key'])
    await row.getByRole('button', { name: 'U1' }).click()
    await page.locator('.toast-success', { hasText: 'Submitted as task' }).waitFor()
    const upscale = page.locator('[data-testid=mj-tasks-table] tbody tr', { hasText: 'UPSCALE' })
    await upscale.waitFor()
    const sent = midjourney.requests.filter((request) => request.path === '/mj/submit/action').at(-1)!
    expect(sent.body).toMatchObject({ taskId: ids.mj, customId: `MJ::JOB::upsample::1::${ids.mj}` })
  }, 30_000)

  test('Suno: the song has an audio player; the family switch keeps the page\'s frame', async () => {
    await page.click('[data-testid=family-suno]')
    const row = page.locator('[data-testid=suno-tasks-table] tbody tr', { hasText: ids.suno! })
    await row.waitFor()
    expect(await row.textContent()).toContain('SUCCESS')
    expect(await row.locator('audio').getAttribute('src')).toContain(`.mp3`)
    await screenshot(page, 'tasks-suno')
    await page.click('[data-testid=family-video]')
    await page.locator('[data-testid=video-tasks-table]').waitFor()
  }, 30_000)

  test('settings: the Midjourney options and the server address are saved from their section', async () => {
    await page.goto('/settings')
    await page.getByRole('tab', { name: 'Midjourney and tasks' }).click()
    await page.fill('#option-ServerAddress', gateway.url)
    await page.getByLabel('Remove --fast / --relax / --turbo from prompts').check()
    await page.getByRole('button', { name: 'Save' }).click()
    await page.locator('.toast-success', { hasText: 'Settings saved: 2' }).waitFor()
    await screenshot(page, 'tasks-settings')
    // Saved options act at once: the prompt reaches the proxy without its mode flag, the hook names this gateway.
    const id = (await post('/mj/submit/imagine', { prompt: 'a boat --relax' })).result
    expect(id).toBeTruthy()
    const sent = midjourney.requests.filter((request) => request.path === '/mj/submit/imagine').at(-1)!.body
    expect(sent.prompt).toBe('a boat ')
    expect(sent.notifyHook).toStartWith(`${gateway.url}/mj/notify/`)
  }, 30_000)
})
