import { afterAll, beforeAll, describe } from 'bun:test'
import { postgresUrl, testDatabases } from '../../testing/databases.ts'
import { createStore, type Store } from '../store.ts'
import type { Dialect } from '../types.ts'

export interface ContractContext {
  /** The store over this suite's own fresh database (valid inside tests). */
  store(): Store
  dialect: Dialect
}

/**
 * One contract suite per table, run on every dialect: the data-access layer must behave the same on SQLite and
 * Postgres. Each run gets a database of its own, created before and dropped after. Without TEST_DATABASE_URL the
 * Postgres run is skipped, and says so.
 */
export function describeOnEachDialect(name: string, suite: (context: ContractContext) => void) {
  for (const testDatabase of testDatabases) {
    const dialect: Dialect = testDatabase.name
    describe(`${name} on ${dialect}`, () => {
      let store: Store | undefined
      let dispose: (() => Promise<void>) | undefined
      beforeAll(async () => {
        const database = await testDatabase.open()
        dispose = database.dispose
        store = createStore(database)
      })
      afterAll(() => dispose?.())
      suite({ store: () => store!, dialect })
    })
  }
  if (!postgresUrl) {
    const reason = 'TEST_DATABASE_URL is unset'
    console.warn(`[tests] ${name} on postgres skipped: ${reason}`)
    describe.skip(`${name} on postgres (skipped: ${reason})`, () => suite({ store: () => { throw new Error(reason) }, dialect: 'postgres' }))
  }
}
