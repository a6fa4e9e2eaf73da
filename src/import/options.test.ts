import { expect, test } from 'bun:test'
import { mapOptions } from './options.ts'

test('imported SMTP and Turnstile secrets are sealed; their companions carry over; unused secrets stay behind', () => {
  const mapped = mapOptions([
    { key: 'SMTPToken', value: 'smtp-password' }, { key: 'TurnstileSecretKey', value: '' }, { key: 'SMTPServer', value: 'smtp.example.com' },
    { key: 'TurnstileCheckEnabled', value: 'true' }, { key: 'GitHubClientSecret', value: 'x' },
  ], (value) => `sealed(${value})`)
  expect(Object.fromEntries(mapped.options)).toEqual({ SMTPToken: 'sealed(smtp-password)', TurnstileSecretKey: '', SMTPServer: 'smtp.example.com', TurnstileCheckEnabled: 'true' })
  expect(mapped.unknown).toEqual(['GitHubClientSecret'])
})
