import { describe, expect, test } from 'bun:test'
import { telegramWidgetData } from '../../testing/telegram-widget.ts'
import { OAuthRefusal } from './provider.ts'
import { TELEGRAM_MAX_AGE_SECONDS, verifyTelegramLogin } from './telegram.ts'

const TOKEN = '110201543:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw'
const NOW = 1_800_000_000

describe('Telegram login widget data', () => {
  test('a fresh, signed payload names the user; every field counts, extra ones included', () => {
    const data = telegramWidgetData(TOKEN, { id: '42', first_name: 'Ada', last_name: 'L', username: 'ada', photo_url: 'https://t.me/i/userpic/320/ada.jpg', auth_date: String(NOW - 60) })
    expect(verifyTelegramLogin(data, TOKEN, NOW)).toEqual({ id: '42', username: 'ada', displayName: 'Ada L' })
    expect(() => verifyTelegramLogin({ ...data, photo_url: 'https://evil.example/x.jpg' }, TOKEN, NOW)).toThrow(OAuthRefusal)
    const { photo_url: _dropped, ...withoutPhoto } = data
    expect(() => verifyTelegramLogin(withoutPhoto, TOKEN, NOW)).toThrow('not signed')
  })

  test('refused: another bot\'s signature, a malformed or missing hash, no id, stale or future auth_date', () => {
    const fields = { id: '42', auth_date: String(NOW) }
    expect(() => verifyTelegramLogin(telegramWidgetData('1:other-bot', fields), TOKEN, NOW)).toThrow('not signed')
    expect(() => verifyTelegramLogin({ ...fields, hash: 'zz' }, TOKEN, NOW)).toThrow('incomplete')
    expect(() => verifyTelegramLogin(fields, TOKEN, NOW)).toThrow('incomplete')
    expect(() => verifyTelegramLogin(telegramWidgetData(TOKEN, { auth_date: String(NOW) }), TOKEN, NOW)).toThrow('incomplete')
    expect(() => verifyTelegramLogin(telegramWidgetData(TOKEN, { id: '42', auth_date: String(NOW - TELEGRAM_MAX_AGE_SECONDS - 1) }), TOKEN, NOW)).toThrow('too old')
    expect(() => verifyTelegramLogin(telegramWidgetData(TOKEN, { id: '42', auth_date: String(NOW + 3600) }), TOKEN, NOW)).toThrow('too old')
    expect(verifyTelegramLogin(telegramWidgetData(TOKEN, { id: '42', auth_date: String(NOW - TELEGRAM_MAX_AGE_SECONDS) }), TOKEN, NOW).id).toBe('42')
  })
})
