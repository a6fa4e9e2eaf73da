import { timingSafeEqual } from 'node:crypto'
import type { SecretBox } from '../../security/crypto.ts'

/**
 * The notify hook this gateway gives a Midjourney proxy: `/mj/notify/<channel id>/<signature>`. The signature is
 * an HMAC of the channel id under this gateway's secret, so only a proxy we sent it to can call back, and only
 * about that channel's tasks.
 */
export const notifySignature = (secretBox: SecretBox, channelId: number) => secretBox.hash(`mj-notify:${channelId}`)

export const notifyPath = (secretBox: SecretBox, channelId: number) => `/mj/notify/${channelId}/${notifySignature(secretBox, channelId)}`

/** Whether `signature` is the one for `channelId` (constant time). */
export function verifyNotifySignature(secretBox: SecretBox, channelId: number, signature: string): boolean {
  const expected = Buffer.from(notifySignature(secretBox, channelId))
  const given = Buffer.from(signature)
  return expected.length === given.length && timingSafeEqual(expected, given)
}
