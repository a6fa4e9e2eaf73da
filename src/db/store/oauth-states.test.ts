import { expect, test } from 'bun:test'
import { describeOnEachDialect } from './contract-suite.ts'
import type { OAuthStateRow } from './oauth-states.ts'

const row = (stateHash: string, expiresAt: number): OAuthStateRow => ({
  stateHash, provider: 'github', action: 'login', userId: 0, browserHash: 'browser-1', codeVerifier: 'verifier', nonce: 'nonce', invitation: '', redirectUri: 'https://gateway.example/oauth/github', expiresAt,
})

describeOnEachDialect('oauth states store', ({ store }) => {
  test('a state is taken once, only with its browser and provider, only before it expires', async () => {
    const states = store().oauthStates
    await states.create(row('s1', 2000), 1000)
    expect(await states.take('s1', 'browser-2', 'github', 1000)).toBeUndefined()
    expect(await states.take('s1', 'browser-1', 'oidc', 1000)).toBeUndefined()
    expect(await states.take('s1', 'browser-1', 'github', 2000)).toBeUndefined()
    expect(await states.take('s1', 'browser-1', 'github', 1999)).toMatchObject({ codeVerifier: 'verifier', redirectUri: 'https://gateway.example/oauth/github' })
    expect(await states.take('s1', 'browser-1', 'github', 1999)).toBeUndefined()
  })

  test('creating a state sweeps the expired ones', async () => {
    const states = store().oauthStates
    await states.create(row('old', 1500), 1000)
    await states.create(row('new', 5000), 1600)
    const { db, tables } = store().database
    const left = (await db.select().from(tables.oauthStatesTable)).map((state) => state.stateHash)
    expect(left).toContain('new')
    expect(left).not.toContain('old')
  })
})
