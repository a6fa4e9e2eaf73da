import { expect, test } from 'bun:test'
import { parseCpuTicks, parseVmRss, processTree, readRssKib, treeCpuSeconds, treeRssMegabytes } from './processes.ts'

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

test('CPU ticks come from utime and stime even when the command name has spaces and parentheses', () => {
  const stat = '4242 (bun (main) x) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 37 0 0 20 0 9 0 123 456 789'
  expect(parseCpuTicks(stat)).toBe(287)
})

test('CPU seconds of this process grow while it works', () => {
  const before = treeCpuSeconds(process.pid)
  const until = performance.now() + 60
  let spin = 0
  while (performance.now() < until) spin++
  expect(spin).toBeGreaterThan(0)
  expect(treeCpuSeconds(process.pid)).toBeGreaterThan(before)
})
