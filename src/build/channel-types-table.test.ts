import { expect, test } from 'bun:test'
import { readFileSync } from 'node:fs'
import { channelTypeCatalog } from '../providers/channel-types.ts'
import { servedEndpoints } from '../relay/served-endpoints.ts'
import { channelTypesTable, withCurrentTable } from './channel-types-table.ts'

test('the README\'s channel-type table is the catalogue\'s (run `bun run docs:channel-types` after changing a type)', () => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8')
  expect(withCurrentTable(readme)).toBe(readme)
})

test('every served type has a row; what a type serves comes from the routes that would take it', () => {
  const table = channelTypesTable()
  const supported = channelTypeCatalog(servedEndpoints).filter((entry) => entry.supported)
  for (const entry of supported) expect(table).toContain(`| ${entry.type} | `)
  expect(servedEndpoints(38)).toEqual(['embeddings', 'rerank'])
  expect(servedEndpoints(14)).toEqual(['chat'])
  expect(servedEndpoints(43)).toEqual(['chat'])
  expect(servedEndpoints(1)).toEqual(expect.arrayContaining(['chat', 'embeddings', 'images', 'speech', 'realtime', 'videos']))
  expect(servedEndpoints(2)).toEqual(['midjourney'])
  expect(servedEndpoints(11)).toEqual([])
})
