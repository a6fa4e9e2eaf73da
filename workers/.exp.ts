import { createWorkerPool } from './pool.ts'
const pool = createWorkerPool({ size: 1, taskTimeoutMs: 100, media: { getMediaToken: true, getMediaTokenNotStream: true, maxFileDownloadMb: 5, geminiVisionMaxImageNum: 16 } })
await pool.countTextTokens('gpt-4o', 'warm up')
const bytes = new Uint8Array(1_500_000)
for (let index = 0, seed = 7; index < bytes.length; index++) { seed = (seed * 1103515245 + 12345) & 0x7fffffff; bytes[index] = seed >> 16 }
const text = Buffer.from(bytes).toString('base64')
const t = performance.now()
const timer = setInterval(() => console.log('tick', (performance.now() - t).toFixed(0), JSON.stringify(pool.stats())), 100)
const result = await pool.countTextTokens('gpt-4o', text)
console.log('result', result, (performance.now() - t).toFixed(0))
await Bun.sleep(1500)
clearInterval(timer)
await pool.close()
