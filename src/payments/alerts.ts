import type { Store } from '../db/store.ts'
import { paymentAlertRow } from '../billing/usage-log.ts'

/**
 * Refused payment callbacks become system log rows for the admin. The notify routes are public, so the rows are
 * capped per minute: a flood of forged callbacks costs one counter, not the logs table.
 */
export function createPaymentAlerts(store: Store, log: (line: string) => void = console.warn, perMinute = 30) {
  let windowStart = 0
  let written = 0
  let dropped = 0
  return async function alert(entry: Parameters<typeof paymentAlertRow>[0]): Promise<void> {
    const minute = Math.floor(Date.now() / 60_000)
    if (minute !== windowStart) {
      if (dropped) log(`[payments] ${dropped} more refused callbacks in the last minute were not logged`)
      windowStart = minute
      written = 0
      dropped = 0
    }
    log(`[payments] ${entry.provider} callback refused: ${entry.reason}${entry.tradeNo ? ` (order ${entry.tradeNo.slice(0, 64)})` : ''} from ${entry.ip}`)
    if (written >= perMinute) {
      dropped++
      return
    }
    written++
    await store.logs.insert([paymentAlertRow(entry)]).catch((error: Error) => log(`[payments] could not log a refused callback: ${error.message}`))
  }
}
