import { createHash, createHmac } from 'node:crypto'

/** Login-widget data signed as Telegram signs it (core.telegram.org/widgets/login#checking-authorization). */
export function telegramWidgetData(botToken: string, fields: Record<string, string>): Record<string, string> {
  const checkString = Object.keys(fields).sort().map((key) => `${key}=${fields[key]}`).join('\n')
  const hash = createHmac('sha256', createHash('sha256').update(botToken).digest()).update(checkString).digest('hex')
  return { ...fields, hash }
}
