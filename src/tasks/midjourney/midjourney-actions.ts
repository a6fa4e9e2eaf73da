/**
 * Midjourney actions and how a request names them (new-api's constant/midjourney.go and service/midjourney.go):
 * the billing name of each action, the Plus `customId` of a button, and `/submit/simple-change`'s "<taskId> U1".
 */

export type MidjourneyAction =
  | 'IMAGINE' | 'UPSCALE' | 'VARIATION' | 'HIGH_VARIATION' | 'LOW_VARIATION' | 'PAN' | 'DESCRIBE' | 'BLEND' | 'SHORTEN'
  | 'REROLL' | 'INPAINT' | 'ZOOM' | 'CUSTOM_ZOOM' | 'MODAL' | 'UPLOAD' | 'VIDEO' | 'EDITS' | 'SWAP_FACE'

/** `mj_<action>` (swap_face for face swaps): the model name the action is limited, routed and priced by. */
export const billingNameOf = (action: MidjourneyAction) => (action === 'SWAP_FACE' ? 'swap_face' : `mj_${action.toLowerCase()}`)

/** Actions new-api does not charge: the modal that follows them is. */
export const freeActions: ReadonlySet<MidjourneyAction> = new Set(['INPAINT', 'CUSTOM_ZOOM'])

/** The change actions `/submit/change` takes. */
export const changeActions: ReadonlySet<string> = new Set(['UPSCALE', 'VARIATION', 'REROLL'])

/**
 * A Plus button's customId (`MJ::JOB::upsample::2::<hash>`, `MJ::Outpaint::50::1::<hash>`…) → the action and
 * index, or a reason it cannot be read.
 */
export function decodeCustomId(customId: string): { action: MidjourneyAction; index: number } | { error: string } {
  const parts = customId.split('::')
  if (parts.length < 3 || parts[0] !== 'MJ') return { error: `unknown_action:${customId}` }
  const name = parts[1] === 'JOB' ? parts[2]! : parts[1]!
  const index = (position: number) => {
    const value = Number(parts[position])
    return Number.isInteger(value) && value >= 1 ? value : undefined
  }
  if (name.includes('upsample')) {
    const at = index(3)
    return at === undefined ? { error: 'index_parse_failed' } : { action: 'UPSCALE', index: at }
  }
  if (name === 'variation') {
    const at = index(3)
    return at === undefined ? { error: 'index_parse_failed' } : { action: 'VARIATION', index: at }
  }
  if (name === 'low_variation') return { action: 'LOW_VARIATION', index: 1 }
  if (name === 'high_variation') return { action: 'HIGH_VARIATION', index: 1 }
  if (name.includes('pan')) return { action: 'PAN', index: 1 }
  if (name.includes('reroll')) return { action: 'REROLL', index: 1 }
  if (name === 'Outpaint') return { action: 'ZOOM', index: 1 }
  if (name === 'CustomZoom') return { action: 'CUSTOM_ZOOM', index: 1 }
  if (name === 'Inpaint') return { action: 'INPAINT', index: 1 }
  return { error: `unknown_action:${customId}` }
}

/** `"<taskId> U1"` / `"<taskId> V3"` / `"<taskId> R"` → the origin task, action and index; undefined if unreadable. */
export function parseSimpleChange(content: string): { taskId: string; action: MidjourneyAction; index: number } | undefined {
  const parts = content.trim().split(' ')
  if (parts.length !== 2 || !parts[0]) return undefined
  const command = parts[1]!.toLowerCase()
  if (command === 'r') return { taskId: parts[0], action: 'REROLL', index: 1 }
  const index = Number(command.slice(1))
  if (!/^[uv][1-4]$/.test(command)) return undefined
  return { taskId: parts[0], action: command[0] === 'u' ? 'UPSCALE' : 'VARIATION', index }
}
