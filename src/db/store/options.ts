import type { Database } from '../types.ts'

export type OptionsStore = ReturnType<typeof createOptionsStore>

export function createOptionsStore(database: Database) {
  const { db, tables } = database
  const { optionsTable } = tables
  return {
    all: async () => Object.fromEntries((await db.select().from(optionsTable)).map((row) => [row.key, row.value])) as Record<string, string>,
    set: (key: string, value: string) => database.write(() =>
      db.insert(optionsTable).values({ key, value }).onConflictDoUpdate({ target: optionsTable.key, set: { value } })),
    /** Several options in one transaction: all of them are written or none (a price sync changes up to eight maps). */
    setMany: (entries: Record<string, string>) => database.transaction(async (tx) => {
      for (const [key, value] of Object.entries(entries)) {
        await tx.insert(optionsTable).values({ key, value }).onConflictDoUpdate({ target: optionsTable.key, set: { value } })
      }
    }),
  }
}
