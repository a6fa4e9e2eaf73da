import type { Flavour } from './schema.ts'

/** What an import did or, with --dry-run, would do: per table counts, every field it could not carry over. */
export interface TableCount { read: number; imported: number; skipped: Map<string, number> }

export class ImportReport {
  readonly tables = new Map<string, TableCount>()
  /** `table.column` → rows that held a value Tollgate has no place for. */
  readonly droppedFields = new Map<string, number>()
  readonly notes: string[] = []
  unknownOptions: string[] = []
  skippedTables: string[] = []

  constructor(readonly flavour: Flavour, readonly location: string, readonly dryRun: boolean) {}

  table(name: string): TableCount {
    let count = this.tables.get(name)
    if (!count) this.tables.set(name, count = { read: 0, imported: 0, skipped: new Map() })
    return count
  }

  skip(table: string, reason: string) {
    const skipped = this.table(table).skipped
    skipped.set(reason, (skipped.get(reason) ?? 0) + 1)
  }

  dropped(table: string, column: string) {
    const key = `${table}.${column}`
    this.droppedFields.set(key, (this.droppedFields.get(key) ?? 0) + 1)
  }

  note(message: string) {
    this.notes.push(message)
  }

  format(): string {
    const lines = [`${this.dryRun ? 'Dry run: would import' : 'Imported'} a ${this.flavour} database from ${this.location}`, '']
    for (const [name, count] of this.tables) {
      const skipped = [...count.skipped].map(([reason, rows]) => `${rows} ${reason}`).join(', ')
      // Abilities are not copied: Tollgate routes from the channels, so the count is of rows that agree with theirs.
      const what = name === 'abilities' ? ' agree with their channel' : ''
      lines.push(`  ${name.padEnd(12)} ${String(count.imported).padStart(8)} of ${count.read}${what}${skipped ? ` (skipped: ${skipped})` : ''}`)
    }
    if (this.droppedFields.size) {
      lines.push('', 'Fields Tollgate has no place for (rows holding a value):')
      for (const [field, rows] of this.droppedFields) lines.push(`  ${field}: ${rows}`)
    }
    if (this.unknownOptions.length) lines.push('', `Options Tollgate does not use (not imported): ${this.unknownOptions.join(', ')}`)
    if (this.skippedTables.length) lines.push('', `Tables not imported (features Tollgate does not have): ${this.skippedTables.join(', ')}`)
    if (this.notes.length) lines.push('', 'Notes:', ...this.notes.map((note) => `  - ${note}`))
    return lines.join('\n')
  }
}
