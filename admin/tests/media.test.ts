/**
 * The console's image and speech features in Chromium against the real gateway: the playground generates an image
 * and synthesizes speech through the relay to a small upstream started here (answering OpenAI's image and speech
 * APIs with a real PNG and a real WAV built in code, bytes the browser must decode; the bench mock has no image
 * route), the pricing editor saves an ImageRatio, and the media log row says what it was billed for. Screenshots at
 * 1366x768.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { deflateSync } from 'node:zlib'
import type { Browser, Page } from 'playwright-core'
import { apiCall, chromiumPath, ensureAdminBuilt, hasChromium, launchBrowser, newPage, screenshot, signInCookie, startGateway, waitFor, type GatewayProcess } from './harness.ts'

const rootPassword = 'media-test-password'

if (!hasChromium) console.warn(`[admin media tests] skipped: no Chromium at ${chromiumPath}`)

/** A width × height RGB PNG with a diagonal gradient: signature, IHDR, one zlib-deflated IDAT, IEND. */
function buildPng(width: number, height: number): Uint8Array {
  const chunk = (type: string, data: Uint8Array) => {
    const body = new Uint8Array(4 + data.length)
    body.set(new TextEncoder().encode(type), 0)
    body.set(data, 4)
    const out = new Uint8Array(12 + data.length)
    const view = new DataView(out.buffer)
    view.setUint32(0, data.length)
    out.set(body, 4)
    view.setUint32(8 + data.length, Bun.hash.crc32(body) >>> 0)
    return out
  }
  const header = new Uint8Array(13)
  const headerView = new DataView(header.buffer)
  headerView.setUint32(0, width)
  headerView.setUint32(4, height)
  header.set([8, 2, 0, 0, 0], 8) // 8-bit RGB, no interlace
  const rows = new Uint8Array(height * (1 + width * 3))
  for (let y = 0; y < height; y++) {
    const start = y * (1 + width * 3)
    rows[start] = 0 // filter: none
    for (let x = 0; x < width; x++) rows.set([Math.round((255 * x) / width), Math.round((255 * y) / height), 180], start + 1 + x * 3)
  }
  const parts = [Uint8Array.of(137, 80, 78, 71, 13, 10, 26, 10), chunk('IHDR', header), chunk('IDAT', deflateSync(rows)), chunk('IEND', new Uint8Array(0))]
  const png = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0))
  let offset = 0
  for (const part of parts) {
    png.set(part, offset)
    offset += part.length
  }
  return png
}

/** Half a second of a 440 Hz tone as 16-bit mono PCM WAV at 8 kHz. */
function buildWav(seconds = 0.5, rate = 8000): Uint8Array {
  const samples = Math.round(seconds * rate)
  const wav = new Uint8Array(44 + samples * 2)
  const view = new DataView(wav.buffer)
  const text = (offset: number, value: string) => wav.set(new TextEncoder().encode(value), offset)
  text(0, 'RIFF')
  view.setUint32(4, 36 + samples * 2, true)
  text(8, 'WAVE')
  text(12, 'fmt ')
  view.setUint32(16, 16, true)
  view.setUint16(20, 1, true) // PCM
  view.setUint16(22, 1, true) // mono
  view.setUint32(24, rate, true)
  view.setUint32(28, rate * 2, true)
  view.setUint16(32, 2, true)
  view.setUint16(34, 16, true)
  text(36, 'data')
  view.setUint32(40, samples * 2, true)
  for (let index = 0; index < samples; index++) view.setInt16(44 + index * 2, Math.round(Math.sin((2 * Math.PI * 440 * index) / rate) * 12000), true)
  return wav
}

interface MediaUpstream {
  url: string
  requests: { path: string; body: Record<string, unknown> }[]
  stop: () => void
}

/** OpenAI's image and speech routes, as the API reference describes them; a prompt with "refuse" gets OpenAI's 400. */
function startMediaUpstream(): MediaUpstream {
  const png = Buffer.from(buildPng(96, 64)).toString('base64')
  const wav = buildWav()
  const requests: MediaUpstream['requests'] = []
  const server = Bun.serve({
    port: 0,
    hostname: '127.0.0.1',
    async fetch(request) {
      const path = new URL(request.url).pathname
      const body = request.method === 'POST' ? ((await request.json()) as Record<string, unknown>) : {}
      requests.push({ path, body })
      if (path === '/v1/images/generations') {
        if (String(body.prompt).includes('refuse')) {
          return Response.json({ error: { message: 'Your request was rejected as a result of our safety system.', type: 'image_generation_user_error', code: 'content_policy_violation' } }, { status: 400 })
        }
        const count = Number(body.n ?? 1)
        return Response.json({ created: Math.floor(Date.now() / 1000), data: Array.from({ length: count }, () => ({ b64_json: png, revised_prompt: `A gradient, as asked: ${body.prompt}` })) })
      }
      if (path === '/v1/audio/speech') {
        // Sent in pieces, as an upstream streams audio.
        const stream = new ReadableStream<Uint8Array>({
          async start(controller) {
            for (let offset = 0; offset < wav.length; offset += 2048) {
              controller.enqueue(wav.slice(offset, offset + 2048))
              await Bun.sleep(5)
            }
            controller.close()
          },
        })
        return new Response(stream, { headers: { 'content-type': 'audio/wav' } })
      }
      return Response.json({ error: { message: `no route for ${path}` } }, { status: 404 })
    },
  })
  return { url: `http://127.0.0.1:${server.port}`, requests, stop: () => server.stop(true) }
}

async function optionValue(baseUrl: string, cookie: string, key: string): Promise<string | undefined> {
  return (await apiCall<{ key: string; value: string }[]>(baseUrl, cookie, 'GET', '/api/option/')).find((option) => option.key === key)?.value
}

describe.skipIf(!hasChromium)('media in the console, in Chromium at 1366x768', () => {
  let upstream: MediaUpstream
  let gateway: GatewayProcess
  let browser: Browser
  let page: Page
  let cookie: string

  beforeAll(async () => {
    ensureAdminBuilt()
    upstream = startMediaUpstream()
    gateway = await startGateway({ INITIAL_ROOT_PASSWORD: rootPassword, LOG_FLUSH_INTERVAL_MS: '200' })
    cookie = await signInCookie(gateway.url, 'root', rootPassword)
    await apiCall(gateway.url, cookie, 'POST', '/api/channel/', {
      mode: 'single',
      channel: { type: 1, name: 'media upstream', key: 'sk-media', base_url: upstream.url, models: 'dall-e-2,tts-1,gpt-4o-mini', group: 'default' },
    })
    // tts-1 at $15 per 1M characters: a character is a token, ratio 7.5.
    const ratios = JSON.parse((await optionValue(gateway.url, cookie, 'ModelRatio')) ?? '{}') as Record<string, number>
    await apiCall(gateway.url, cookie, 'PUT', '/api/option/', { key: 'ModelRatio', value: JSON.stringify({ ...ratios, 'tts-1': 7.5, 'whisper-1': 3 }) })
    await apiCall(gateway.url, cookie, 'POST', '/api/token/', { name: 'media key', unlimited_quota: true })
    browser = await launchBrowser()
    const opened = await newPage(browser, gateway.url, { width: 1366, height: 768 })
    page = opened.page
    await opened.context.addCookies([{ name: 'session', value: decodeURIComponent(cookie.split('=')[1]!), url: gateway.url }])
  }, 60_000)

  afterAll(async () => {
    await browser?.close()
    await gateway?.stop()
    upstream?.stop()
  })

  test('the playground offers the media modes this gateway serves, generates images through the relay and renders them', async () => {
    await page.goto('/playground')
    await page.getByRole('tab', { name: 'Image' }).click()
    // The image mode picks an image model from the key's list by itself.
    await page.waitForFunction(() => (document.querySelector('#playground-model') as HTMLSelectElement | null)?.value === 'dall-e-2')
    await page.selectOption('#playground-image-size', '512x512')
    await page.fill('#playground-image-count', '11')
    await page.getByLabel('Prompt').fill('a soft gradient')
    await page.getByRole('button', { name: 'Generate' }).click()
    // Refused before sending: nothing reached the upstream.
    await expect(page.locator('[data-testid=image-studio] .banner-error').textContent()).resolves.toContain('from 1 to 10')
    expect(upstream.requests.length).toBe(0)
    await page.fill('#playground-image-count', '2')
    await page.getByRole('button', { name: 'Generate' }).click()
    await page.locator('[data-testid=image-meta]').waitFor()
    const images = page.locator('[data-testid=image-studio] img')
    await expect(images.count()).resolves.toBe(2)
    await page.waitForFunction(() => [...document.querySelectorAll('[data-testid=image-studio] img')].every((image) => (image as HTMLImageElement).naturalWidth > 0))
    expect(await images.first().evaluate((image) => [(image as HTMLImageElement).naturalWidth, (image as HTMLImageElement).naturalHeight])).toEqual([96, 64])
    await expect(page.locator('[data-testid=image-studio] a[download]').first().getAttribute('download')).resolves.toBe('image-1.png')
    expect(upstream.requests.at(-1)).toEqual({ path: '/v1/images/generations', body: { model: 'dall-e-2', prompt: 'a soft gradient', n: 2, size: '512x512', response_format: 'b64_json' } })
    await screenshot(page, '22-playground-image', false)

    // The upstream's refusal is shown as it said it.
    await page.getByLabel('Prompt').fill('please refuse this')
    await page.getByRole('button', { name: 'Generate' }).click()
    await expect(page.locator('[data-testid=image-studio] .banner-error').textContent()).resolves.toContain('rejected as a result of our safety system')
    await screenshot(page, '23-playground-image-error', false)
  }, 30_000)

  test('the playground synthesizes speech and the audio element gets a playable source', async () => {
    await page.goto('/playground')
    await page.getByRole('tab', { name: 'Speech' }).click()
    await page.waitForFunction(() => (document.querySelector('#playground-model') as HTMLSelectElement | null)?.value === 'tts-1')
    await page.selectOption('#playground-format', 'wav')
    await page.selectOption('#playground-voice', 'nova')
    await page.getByLabel('Text to speak').fill('Hello from the console test.')
    await page.getByRole('button', { name: 'Synthesize' }).click()
    await page.locator('[data-testid=speech-meta]').waitFor()
    await page.waitForFunction(() => {
      const audio = document.querySelector('[data-testid=speech-audio]') as HTMLAudioElement | null
      return audio !== null && audio.readyState >= 1 && audio.duration > 0
    })
    const duration = await page.locator('[data-testid=speech-audio]').evaluate((audio) => (audio as HTMLAudioElement).duration)
    expect(duration).toBeCloseTo(0.5, 1)
    await expect(page.locator('[data-testid=speech-meta]').textContent()).resolves.toContain('28 characters')
    // Paused for the screenshot, so the controls show the length rather than a run that has already ended.
    await page.locator('[data-testid=speech-audio]').evaluate((audio) => { (audio as HTMLAudioElement).pause(); (audio as HTMLAudioElement).currentTime = 0 })
    expect(upstream.requests.at(-1)).toEqual({ path: '/v1/audio/speech', body: { model: 'tts-1', input: 'Hello from the console test.', voice: 'nova', response_format: 'wav' } })
    await screenshot(page, '24-playground-speech', false)
  }, 30_000)

  test('the pricing editor shows media prices in their units, refuses a bad Image ×, and saves an ImageRatio that reads back', async () => {
    await page.goto('/settings')
    const editor = page.locator('[data-testid=pricing-editor]')
    const dalle = editor.locator('tbody tr[data-model="dall-e-3"]')
    await expect(dalle.locator('select').inputValue()).resolves.toBe('call')
    await expect(dalle.locator('select option[value=call]').textContent()).resolves.toBe('Per image')
    await expect(dalle.locator('[data-testid=input-price]').textContent()).resolves.toBe('$0.0400 / image')
    await expect(editor.locator('tbody tr[data-model="tts-1"] [data-testid=input-price]').textContent()).resolves.toBe('$15.00 / 1M characters')
    const whisper = editor.locator('tbody tr[data-model="whisper-1"] [data-testid=input-price]')
    await expect(whisper.textContent()).resolves.toBe('$0.0060 / min')
    await expect(whisper.getAttribute('title')).resolves.toContain('$0.0001 per second')
    // Every column, the row's delete button included, fits at 1366 px without scrolling the table sideways.
    expect(await editor.locator('.table-wrap').evaluate((element) => element.scrollWidth - element.clientWidth)).toBeLessThanOrEqual(0)

    const gptImage = editor.locator('tbody tr[data-model="gpt-image-1"]')
    await gptImage.getByLabel('Image ×').fill('-2')
    await page.getByRole('button', { name: 'Save' }).click()
    await expect(editor.locator('.banner-error').textContent()).resolves.toContain('gpt-image-1')
    expect(JSON.parse((await optionValue(gateway.url, cookie, 'ImageRatio'))!)['gpt-image-1']).toBe(2)
    await gptImage.getByLabel('Image ×').fill('2.5')
    await page.getByRole('button', { name: 'Save' }).click()
    await page.locator('.toast-success', { hasText: 'Settings saved: 1' }).waitFor()
    const saved = await waitFor(async () => JSON.parse((await optionValue(gateway.url, cookie, 'ImageRatio')) ?? '{}') as Record<string, number>, (map) => map['gpt-image-1'] === 2.5)
    expect(saved).toEqual({ 'gpt-image-1': 2.5, 'gpt-image-1-mini': 1.25 })
    await editor.locator('.toolbar').evaluate((element) => element.scrollIntoView())
    await screenshot(page, '25-settings-media-pricing', false)
    await editor.locator('tbody tr[data-model="whisper-1"]').scrollIntoViewIfNeeded()
    await screenshot(page, '26-settings-audio-pricing', false)
  }, 30_000)

  test('a media log row hints what it was billed for, and its detail says it in words', async () => {
    await page.goto('/logs')
    // The refused generation is an error row of the same model, without a bill: the billed one is looked for.
    const row = page.locator('[data-testid=logs-table] tbody tr.log-row', { hasText: 'dall-e-2', has: page.locator('[data-testid=billed-for-hint]') }).first()
    await waitFor(async () => {
      if (await row.count()) return true
      await page.getByRole('button', { name: 'Refresh' }).click()
      await Bun.sleep(200)
      return (await row.count()) > 0
    }, Boolean)
    const hint = row.locator('[data-testid=billed-for-hint]')
    await expect(hint.textContent()).resolves.toBe('2 × 512x512')
    // The hint must not be cut off by its cell.
    expect(await hint.evaluate((element) => element.scrollWidth <= element.clientWidth + 1 && element.getBoundingClientRect().right <= (element.closest('td') as HTMLElement).getBoundingClientRect().right)).toBe(true)
    await screenshot(page, '27-logs-media', false)
    await row.getByRole('button', { name: 'Details' }).click()
    const detail = page.locator('[data-testid=log-detail]')
    await detail.waitFor()
    const billed = detail.locator('dt', { hasText: 'Billed for' })
    await expect(billed.count()).resolves.toBe(1)
    await expect(detail.locator('dt:has-text("Billed for") + dd').textContent()).resolves.toBe('2 images · 512x512 · size × 0.45')
    await expect(detail.locator('dt:has-text("Billing") + dd').textContent()).resolves.toContain('Price per image: $0.02')
    await screenshot(page, '28-log-detail-media', false)
    await page.keyboard.press('Escape')

    const speech = page.locator('[data-testid=logs-table] tbody tr.log-row', { hasText: 'tts-1' }).first()
    await expect(speech.locator('[data-testid=billed-for-hint]').textContent()).resolves.toBe('28 chars')
  }, 30_000)
})
