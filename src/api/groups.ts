import type { UserRow } from '../db/store.ts'
import type { ApiDependencies } from './context.ts'

/** Groups a user may pick for a token, with their ratios. Without a user: every usable group. */
export function usableGroups(dependencies: Pick<ApiDependencies, 'caches'>, user?: UserRow) {
  const options = dependencies.caches.options
  const groups: Record<string, { ratio: number; desc: string }> = {}
  for (const [name, description] of Object.entries(options.userUsableGroups)) {
    groups[name] = { ratio: options.groupRatio[name] ?? 1, desc: String(description) }
  }
  // A user's own group is always usable, even when the administrator did not list it.
  if (user && !groups[user.group]) groups[user.group] = { ratio: options.groupRatio[user.group] ?? 1, desc: 'Your group' }
  return groups
}
