import { describe, expect, test } from 'bun:test'
import { passkeyProblem, passkeyStatus, readPasskeySettings, validateSecondFactorOption } from './second-factor-settings.ts'

describe('passkey settings', () => {
  test('rp id and origins come from the passkey options, else from ServerAddress', () => {
    const fromServer = readPasskeySettings({ 'passkey.enabled': 'true', ServerAddress: 'https://gateway.example.com:8443/base' })
    expect([fromServer.rpId, fromServer.origins]).toEqual(['gateway.example.com', ['https://gateway.example.com:8443']])
    const explicit = readPasskeySettings({ 'passkey.enabled': 'true', 'passkey.rp_id': 'example.com', 'passkey.origins': 'https://a.example.com, https://b.example.com/', ServerAddress: 'https://x.test' })
    expect([explicit.rpId, explicit.origins]).toEqual(['example.com', ['https://a.example.com', 'https://b.example.com']])
    expect(passkeyProblem(explicit)).toBeUndefined()
  })

  test('off, unconfigured or plain-http origins are reported, localhost excepted', () => {
    expect(passkeyProblem(readPasskeySettings({}))).toBe('Passkey sign-in is disabled by the administrator')
    expect(passkeyProblem(readPasskeySettings({ 'passkey.enabled': 'true' }))).toContain('ServerAddress')
    expect(passkeyProblem(readPasskeySettings({ 'passkey.enabled': 'true', ServerAddress: 'http://gateway.lan' }))).toContain('not https')
    expect(passkeyProblem(readPasskeySettings({ 'passkey.enabled': 'true', ServerAddress: 'http://gateway.lan', 'passkey.allow_insecure_origin': 'true' }))).toBeUndefined()
    expect(passkeyProblem(readPasskeySettings({ 'passkey.enabled': 'true', ServerAddress: 'http://localhost:3000' }))).toBeUndefined()
  })

  test('/api/status fields', () => {
    expect(passkeyStatus({ 'passkey.enabled': 'true', ServerAddress: 'http://localhost:3000', SystemName: 'Gate' })).toEqual({
      passkey_login: true, passkey_display_name: 'Gate', passkey_rp_id: 'localhost', passkey_origins: 'http://localhost:3000',
      passkey_allow_insecure: false, passkey_user_verification: 'preferred', passkey_attachment: '',
    })
  })

  test('option values are checked before they are stored', () => {
    expect(() => validateSecondFactorOption('passkey.enabled', 'yes')).toThrow('passkey.enabled must be true or false')
    expect(() => validateSecondFactorOption('passkey.user_verification', 'always')).toThrow()
    expect(() => validateSecondFactorOption('passkey.attachment_preference', 'usb')).toThrow()
    expect(() => validateSecondFactorOption('passkey.rp_id', 'https://example.com')).toThrow('host name')
    expect(() => validateSecondFactorOption('passkey.origins', 'example.com')).toThrow('is not an origin')
    expect(validateSecondFactorOption('passkey.origins', 'https://a.example.com/ https://b.example.com')).toBe('https://a.example.com,https://b.example.com')
    expect(validateSecondFactorOption('passkey.rp_id', 'Example.COM')).toBe('example.com')
    expect(validateSecondFactorOption('SystemName', 'anything')).toBe('anything')
  })
})
