import type { ImportReport } from './report.ts'
import type { SourceSchema } from './schema.ts'
import type { SourceDatabase } from './source.ts'
import { bool, int, text } from './values.ts'

/**
 * one-api and new-api route through an `abilities` table (group × model × channel, with priority and weight) that
 * they derive from each channel. Tollgate routes from the channel's own groups, models, priority and weight, so the
 * table is not copied: it is checked against the channels, and rows that say something else (edited by hand, or
 * left stale) are reported, since Tollgate will route by the channel.
 */
export async function checkAbilities(source: SourceDatabase, schema: SourceSchema, report: ImportReport) {
  if (!schema.tables.has('abilities')) return
  const count = report.table('abilities')
  const abilities = await source.all('abilities')
  count.read = abilities.length
  const channels = new Map<number, { groups: Set<string>; models: Set<string>; enabled: boolean; priority: number; weight: number }>()
  for (const channel of await source.all('channels')) {
    const list = (value: unknown) => new Set(text(value).split(',').map((part) => part.trim()).filter(Boolean))
    channels.set(int(channel.id), { groups: list(channel.group), models: list(channel.models), enabled: int(channel.status) === 1, priority: int(channel.priority), weight: int(channel.weight) })
  }
  const differing: string[] = []
  for (const ability of abilities) {
    const channel = channels.get(int(ability.channel_id))
    const name = `${text(ability.group)}/${text(ability.model)} → channel ${int(ability.channel_id)}`
    if (!channel || !channel.groups.has(text(ability.group)) || !channel.models.has(text(ability.model))) differing.push(`${name}: not among the channel's groups and models`)
    else if (bool(ability.enabled) !== channel.enabled) differing.push(`${name}: ${bool(ability.enabled) ? 'enabled' : 'disabled'} while the channel is not`)
    else if (int(ability.priority) !== channel.priority || ('weight' in ability && int(ability.weight) !== channel.weight)) differing.push(`${name}: priority/weight differ from the channel's`)
  }
  count.imported = abilities.length - differing.length
  if (differing.length) {
    count.skipped.set('differing from their channel', differing.length)
    report.note(`${differing.length} abilities differ from their channel; Tollgate routes by the channel: ${differing.slice(0, 5).join('; ')}${differing.length > 5 ? '; …' : ''}`)
  }
}
