import type { Database } from '../types.ts'

export type OptionsStore = ReturnType<typeof createOptionsStore>

export function createOptionsStore(database: Database) {
  const { db, tables } = database
  const { optionsTable } = tables
  return {
    all: async () => Object.fromEntries((await db.select().from(optionsTable)).map((row) => [row.key, row.value])) as Record<string, string>,
    set: (key: string, value: string) => database.write(() =>
      db.insert(optionsTable).values({ key, value }).onConflictDoUpdate({ target: optionsTable.key, set: { value } })),
  }
}
