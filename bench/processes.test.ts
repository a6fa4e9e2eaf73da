import { expect, test } from 'bun:test'
import { parseVmRss, processTree, readRssKib, treeRssMegabytes } from './processes.ts'

test('VmRSS is read from /proc status text', () => {
  expect(parseVmRss('Name:\tbun\nVmPeak:\t  999 kB\nVmRSS:\t   51234 kB\nThreads: 4\n')).toBe(51234)
  expect(parseVmRss('Name:\tkthreadd\n')).toBeNull()
})

test('the process tree includes children, and memory is summed over it', async () => {
  const child = Bun.spawn(['sleep', '5'])
  try {
    await Bun.sleep(50)
    expect(processTree(process.pid)).toContain(child.pid)
    const own = readRssKib(process.pid)!
    expect(own).toBeGreaterThan(1000)
    expect(treeRssMegabytes(process.pid)).toBeGreaterThanOrEqual((own * 1024) / 1e6)
  } finally {
    child.kill()
  }
  expect(readRssKib(2 ** 22 + 12345)).toBeNull()
})
