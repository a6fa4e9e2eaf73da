import { describe, expect, test } from 'bun:test'
import { createSecretBox } from '../security/crypto.ts'
import { mapUser, type MapContext } from './map-rows.ts'
import { ImportReport } from './report.ts'

describe('users\' sign-in identities on import', () => {
  test('carried into their columns; an identity repeated by a later user is left off that user, with a note', () => {
    const context: MapContext = { flavour: 'new-api', secretBox: createSecretBox('import-identities-test-secret'), report: new ImportReport('new-api', 'test', true), userIds: new Set() }
    const first = mapUser({ id: 1, username: 'first', password: 'x', status: 1, github_id: '42', telegram_id: ' 7 ', oidc_id: null }, context)
    const second = mapUser({ id: 2, username: 'second', password: 'x', status: 1, github_id: '42', linux_do_id: '9' }, context)
    expect('row' in first && first.row).toMatchObject({ githubId: '42', telegramId: '7', oidcId: '', discordId: '', linuxDoId: '' })
    expect('row' in second && second.row).toMatchObject({ githubId: '', linuxDoId: '9' })
    expect(context.report.notes.join('\n')).toContain('user 2 (second) has the github_id 42 of an earlier user')
  })
})
