import { expect, test } from 'bun:test'
import { DuplicateError } from '../store.ts'
import { describeOnEachDialect } from './contract-suite.ts'

describeOnEachDialect('second-factor stores', ({ store }) => {
  test('two-factor: a time step and a backup code set are each accepted once; failures lock', async () => {
    const twoFactor = store().twoFactor
    await twoFactor.begin(7, 'v1:sealed', ['a', 'b'], 100)
    expect(await twoFactor.begin(7, 'v1:again', ['c'], 101)).toMatchObject({ sealedSecret: 'v1:again', enabled: false })
    expect(await twoFactor.enable(7, 50)).toBe(true)
    expect(await twoFactor.enable(7, 51)).toBe(false)
    // An enabled record is never replaced by a new setup.
    expect(await twoFactor.begin(7, 'v1:hijack', [], 102)).toBeUndefined()
    expect((await twoFactor.get(7))?.sealedSecret).toBe('v1:again')
    expect(await twoFactor.useStep(7, 50)).toBe(false)
    const racing = await Promise.all([twoFactor.useStep(7, 52), twoFactor.useStep(7, 52)])
    expect(racing.filter(Boolean)).toHaveLength(1)
    expect(await twoFactor.useStep(7, 51)).toBe(false)
    const codes = (await twoFactor.get(7))!.backupCodes
    const spends = await Promise.all([twoFactor.swapBackupCodes(7, codes, []), twoFactor.swapBackupCodes(7, codes, [])])
    expect(spends.filter(Boolean)).toHaveLength(1)
    for (let attempt = 1; attempt < 3; attempt++) expect(await twoFactor.failed(7, 3, 999)).toBe(attempt)
    expect((await twoFactor.get(7))!.lockedUntil).toBe(0)
    await twoFactor.failed(7, 3, 999)
    expect((await twoFactor.get(7))).toMatchObject({ lockedUntil: 999, failedAttempts: 0 })
    expect(await twoFactor.countEnabled()).toBe(1)
    expect(await twoFactor.remove(7)).toBe(true)
    expect(await twoFactor.get(7)).toBeUndefined()
  })

  test('passkeys: unique credential ids, the counter moves only from the value read, removal per user', async () => {
    const passkeys = store().passkeys
    const added = await passkeys.add({ userId: 3, credentialId: 'cred-1', publicKey: 'pk', counter: 0, createdAt: 1 })
    await passkeys.add({ userId: 3, credentialId: 'cred-2', publicKey: 'pk', createdAt: 2 })
    expect(passkeys.add({ userId: 4, credentialId: 'cred-1', publicKey: 'pk' })).rejects.toBeInstanceOf(DuplicateError)
    const uses = await Promise.all([passkeys.recordUse(added.id, 0, 5, 10), passkeys.recordUse(added.id, 0, 5, 10)])
    expect(uses.filter(Boolean)).toHaveLength(1)
    expect(await passkeys.byCredentialId('cred-1')).toMatchObject({ counter: 5, lastUsedAt: 10, userId: 3 })
    expect(await passkeys.remove(4, added.id)).toBe(0)
    expect(await passkeys.remove(3, added.id)).toBe(1)
    expect((await passkeys.listForUser(3)).map((row) => row.credentialId)).toEqual(['cred-2'])
    expect(await passkeys.remove(3)).toBe(1)
  })

  test('auth flows: taken once, by kind; expired ones are swept', async () => {
    const flows = store().authFlows
    await flows.put({ id: 'f1', kind: 'login_2fa', userId: 9, challenge: '', expiresAt: 500 })
    await flows.put({ id: 'f2', kind: 'passkey_login', userId: 0, challenge: 'xyz', expiresAt: 100 })
    expect(await flows.take('f1', 'passkey_login')).toBeUndefined()
    expect((await flows.peek('f1', 'login_2fa'))?.userId).toBe(9)
    const takes = await Promise.all([flows.take('f1', 'login_2fa'), flows.take('f1', 'login_2fa')])
    expect(takes.filter(Boolean)).toHaveLength(1)
    await flows.deleteExpired(200)
    expect(await flows.peek('f2', 'passkey_login')).toBeUndefined()
  })

  test('deleting a user deletes their second factors', async () => {
    const user = await store().users.create({ username: 'leaving', passwordHash: 'x' })
    await store().twoFactor.begin(user.id, 'v1:s', [], 1)
    await store().passkeys.add({ userId: user.id, credentialId: 'leaving-cred', publicKey: 'pk' })
    await store().users.delete(user.id)
    expect(await store().twoFactor.get(user.id)).toBeUndefined()
    expect(await store().passkeys.listForUser(user.id)).toEqual([])
  })
})
