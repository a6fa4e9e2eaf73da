import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { computeImageTokens, fixedImageEstimate, readImageDimensions, selectImageRates } from './count-image-tokens.ts'
import { gifHeader, jpegHeader, pngHeader, toDataUrl } from './testing/image-bytes.ts'

describe('computeImageTokens (OpenAI published examples)', () => {
  const gpt4o = selectImageRates('gpt-4o')
  test('1024 x 1024, detail high = 765', () => expect(computeImageTokens(gpt4o, 1024, 1024, 'high')).toBe(765))
  test('2048 x 4096, detail high = 1105', () => expect(computeImageTokens(gpt4o, 2048, 4096, 'high')).toBe(1105))
  test('detail low = 85 whatever the size', () => {
    expect(computeImageTokens(gpt4o, 4096, 8192, 'low')).toBe(85)
    expect(computeImageTokens(gpt4o, 64, 64, 'low')).toBe(85)
  })
  test('auto counts like high', () => expect(computeImageTokens(gpt4o, 1024, 1024, 'auto')).toBe(765))
  test('small images are not scaled up: 512 x 512 is one tile (255)', () => expect(computeImageTokens(gpt4o, 512, 512, 'high')).toBe(255))
  test('gpt-4o-mini uses its larger base and tile figures (2833 / 5667)', () => {
    const mini = selectImageRates('gpt-4o-mini-2024-07-18')
    expect(computeImageTokens(mini, 1024, 1024, 'high')).toBe(2833 + 4 * 5667)
    expect(computeImageTokens(mini, 1024, 1024, 'low')).toBe(2833)
  })
  test('other tile families', () => {
    expect(selectImageRates('gpt-5')).toEqual({ kind: 'tile', base: 70, tile: 140 })
    expect(selectImageRates('o1')).toEqual({ kind: 'tile', base: 75, tile: 150 })
    expect(selectImageRates('gpt-4.1')).toEqual({ kind: 'tile', base: 85, tile: 170 })
  })
  test('patch models: 32 px patches capped at 1536, times the multiplier', () => {
    const unit = { kind: 'patch' as const, multiplier: 1, base: 85 }
    // OpenAI's examples: 1024x1024 -> 1024 patches; 1800x2400 -> scaled to 1056x1408 -> 1452 patches.
    expect(computeImageTokens(unit, 1024, 1024, 'high')).toBe(1024)
    expect(computeImageTokens(unit, 1800, 2400, 'high')).toBe(1452)
    expect(computeImageTokens(selectImageRates('gpt-4.1-mini'), 1024, 1024, 'high')).toBe(Math.round(1024 * 1.62))
    expect(computeImageTokens(selectImageRates('o4-mini'), 1024, 1024, 'low')).toBe(Math.round(1024 * 1.72))
  })
  test('the fixed estimate is 3 x base', () => {
    expect(fixedImageEstimate(gpt4o)).toBe(255)
    expect(fixedImageEstimate(selectImageRates('gpt-4o-mini'))).toBe(3 * 2833)
  })
})

const fetchOptions = { maxBytes: 1024 * 1024, timeoutMs: 2000, allowPrivateHosts: [] as string[] }

describe('readImageDimensions from data URLs', () => {
  test('PNG, GIF and JPEG headers', async () => {
    expect(await readImageDimensions(toDataUrl(pngHeader(1024, 768)), fetchOptions)).toEqual({ ok: true, width: 1024, height: 768 })
    expect(await readImageDimensions(toDataUrl(gifHeader(300, 200), 'image/gif'), fetchOptions)).toEqual({ ok: true, width: 300, height: 200 })
    expect(await readImageDimensions(toDataUrl(jpegHeader(4000, 3000), 'image/jpeg'), fetchOptions)).toEqual({ ok: true, width: 4000, height: 3000 })
  })

  test('a JPEG whose frame header sits after 200 KB of EXIF is still read', async () => {
    const result = await readImageDimensions(toDataUrl(jpegHeader(640, 480, 200_000), 'image/jpeg'), fetchOptions)
    expect(result).toEqual({ ok: true, width: 640, height: 480 })
  })

  test('only the header is decoded: broken data after the header does not matter', async () => {
    const valid = toDataUrl(pngHeader(800, 600, 3000))
    const withBrokenTail = valid + '!!!not base64!!!'.repeat(200_000)
    const started = performance.now()
    const result = await readImageDimensions(withBrokenTail, { ...fetchOptions, maxBytes: 10 * 1024 * 1024 })
    console.log(`  header of a ${(withBrokenTail.length / 1e6).toFixed(1)} MB data URL read in ${(performance.now() - started).toFixed(2)} ms`)
    expect(result).toEqual({ ok: true, width: 800, height: 600 })
  })

  test('bare base64 without the data: prefix', async () => {
    expect(await readImageDimensions(Buffer.from(pngHeader(10, 20)).toString('base64'), fetchOptions)).toEqual({ ok: true, width: 10, height: 20 })
  })

  test('bad input gives a reason, never a throw', async () => {
    const reasonFor = async (url: string, maxBytes = fetchOptions.maxBytes) => {
      const result = await readImageDimensions(url, { ...fetchOptions, maxBytes })
      expect(result.ok).toBe(false)
      return result.ok ? '' : result.reason
    }
    expect(await reasonFor('data:image/png;base64,@@@@not-base64@@@@')).toMatch(/broken base64/)
    expect(await reasonFor('data:text/plain;base64,aGVsbG8=')).toMatch(/text\/plain, not an image/)
    expect(await reasonFor(`data:image/png;base64,${Buffer.from('hello, I am text').toString('base64')}`)).toMatch(/not a readable image/)
    expect(await reasonFor('data:image/png;base64')).toMatch(/malformed data URL/)
    expect(await reasonFor('data:image/svg+xml,<svg width="10" height="10"/>')).toMatch(/not base64/)
    expect(await reasonFor(toDataUrl(pngHeader(10, 10, 4000)), 1000)).toMatch(/larger than the 1000-byte limit/)
    expect(await reasonFor('data:image/png;base64,')).toMatch(/not a readable image|empty/)
    expect(await reasonFor('ftp://example.com/a.png')).toMatch(/broken base64/)
  })
})

describe('readImageDimensions from http URLs', () => {
  let server: ReturnType<typeof Bun.serve>
  let base = ''
  const requests: string[] = []

  beforeAll(() => {
    server = Bun.serve({
      hostname: '127.0.0.1',
      port: 0,
      fetch(request) {
        const path = new URL(request.url).pathname
        requests.push(path)
        if (path === '/photo.png') return new Response(pngHeader(2048, 4096), { headers: { 'content-type': 'image/png' } })
        if (path === '/cached.png') return new Response(pngHeader(1024, 1024), { headers: { 'content-type': 'image/png' } })
        if (path === '/page.html') return new Response('<!doctype html><html><body>not an image</body></html>', { headers: { 'content-type': 'text/html' } })
        if (path === '/huge.png') return new Response(pngHeader(100, 100, 3 * 1024 * 1024))
        if (path === '/to-private') return Response.redirect(`http://localhost:${server.port}/photo.png`, 302)
        if (path === '/endless.jpg') {
          // 64 KB of EXIF, then the frame header, then a body that never ends.
          const head = jpegHeader(1600, 1200, 64 * 1024)
          let sentHead = false
          return new Response(
            new ReadableStream({
              pull(controller) {
                if (!sentHead) {
                  sentHead = true
                  controller.enqueue(head)
                } else controller.enqueue(new Uint8Array(16 * 1024))
              },
            }),
            { headers: { 'content-type': 'image/jpeg' } },
          )
        }
        return new Response('missing', { status: 404 })
      },
    })
    base = `http://127.0.0.1:${server.port}`
  })
  afterAll(() => server.stop(true))

  const local = { ...fetchOptions, allowPrivateHosts: ['127.0.0.1'] }

  test('reads the dimensions of a fetched image', async () => {
    expect(await readImageDimensions(`${base}/photo.png`, local)).toEqual({ ok: true, width: 2048, height: 4096 })
  })

  test('remembers a URL it has read (multi-turn chats resend images)', async () => {
    await readImageDimensions(`${base}/cached.png`, local)
    await readImageDimensions(`${base}/cached.png`, local)
    expect(requests.filter((path) => path === '/cached.png').length).toBe(1)
  })

  test('stops downloading once the header parsed (the body never ends, so reading on would hit the limit)', async () => {
    const result = await readImageDimensions(`${base}/endless.jpg`, { ...local, maxBytes: 1024 * 1024 })
    expect(result).toEqual({ ok: true, width: 1600, height: 1200 })
  })

  test('failures come back as reasons', async () => {
    const reasonFor = async (url: string, options = local) => {
      const result = await readImageDimensions(url, options)
      expect(result.ok).toBe(false)
      return result.ok ? '' : result.reason
    }
    expect(await reasonFor(`${base}/missing.png`)).toMatch(/http_status.*404/)
    expect(await reasonFor(`${base}/page.html`)).toMatch(/not a readable image/)
    expect(await reasonFor(`${base}/huge.png`)).toMatch(/too_large/)
    expect(await reasonFor(`${base}/to-private`)).toMatch(/unsafe_url.*localhost/)
    expect(await reasonFor(`${base}/photo.png`, fetchOptions)).toMatch(/unsafe_url.*127\.0\.0\.1/)
    expect(await reasonFor('http://169.254.169.254/latest/meta-data/iam')).toMatch(/unsafe_url.*link-local/)
  })
})
