import { describe, expect, test } from 'bun:test'
import { exportPKCS8, generateKeyPair } from 'jose'
import type { AuthPost, UpstreamTarget } from '../types.ts'
import { vertexAdaptorFor, vertexAnthropicAdaptor, vertexClaudeModel, vertexGeminiAdaptor } from './vertex-adaptor.ts'
import { vertexKeyProblem } from './vertex-key.ts'
import { vertexRegion, vertexRegionsProblem } from './vertex-region.ts'
import { vertexAccessToken } from './vertex-token.ts'

const pem = await exportPKCS8((await generateKeyPair('RS256', { extractable: true })).privateKey)
const serviceAccount = (email: string) => JSON.stringify({ type: 'service_account', project_id: 'proj', client_email: email, private_key: pem, token_uri: 'http://127.0.0.1:1/token' })
const target = (fields: Partial<UpstreamTarget>): UpstreamTarget => ({ baseUrl: '', key: serviceAccount('u@proj.iam'), model: 'gemini-2.5-flash', stream: false, other: '', setting: {}, channelType: 41, ...fields })

describe('Vertex URLs', () => {
  test('global uses aiplatform.googleapis.com, other regions their own host; the channel base URL overrides both', () => {
    expect(vertexGeminiAdaptor.buildRequest({}, target({})).url).toBe('https://aiplatform.googleapis.com/v1/projects/proj/locations/global/publishers/google/models/gemini-2.5-flash:generateContent')
    expect(vertexGeminiAdaptor.buildRequest({}, target({ other: 'europe-west4', stream: true })).url).toBe('https://europe-west4-aiplatform.googleapis.com/v1/projects/proj/locations/europe-west4/publishers/google/models/gemini-2.5-flash:streamGenerateContent?alt=sse')
    expect(vertexGeminiAdaptor.buildRequest({}, target({ baseUrl: 'http://proxy.local/' })).url).toStartWith('http://proxy.local/v1/projects/proj/locations/global/')
  })

  test('Claude: the @-version name, rawPredict, anthropic_version in the body and no model; express keys refuse Claude', () => {
    const built = vertexAnthropicAdaptor.buildRequest({ model: 'claude-opus-4-1-20250805', max_tokens: 5, messages: [] }, target({ model: 'claude-opus-4-1-20250805', other: '{"default":"us-east5"}' }))
    expect(built.url).toBe('https://us-east5-aiplatform.googleapis.com/v1/projects/proj/locations/us-east5/publishers/anthropic/models/claude-opus-4-1@20250805:rawPredict')
    expect(JSON.parse(built.body)).toEqual({ anthropic_version: 'vertex-2023-10-16', max_tokens: 5, messages: [] })
    expect(built.authorize).toBeFunction()
    expect(() => vertexAnthropicAdaptor.buildRequest({}, target({ key: 'AQ.key', model: 'claude-opus-4-1' }))).toThrow('Gemini models only')
    expect(vertexClaudeModel('claude-3-5-sonnet-v2@20241022')).toBe('claude-3-5-sonnet-v2@20241022')
    expect(vertexAdaptorFor('claude-haiku-4-5').id).toBe('vertex-anthropic')
    expect(vertexAdaptorFor('gemini-2.5-pro').id).toBe('vertex-gemini')
    expect(vertexAdaptorFor('meta/llama-3.3-70b-instruct-maas').id).toBe('vertex-openai')
    expect(vertexAdaptorFor('deepseek-r1-0528-maas').id).toBe('vertex-openai')
  })

  test('express mode: the key in the query, no bearer', () => {
    const built = vertexGeminiAdaptor.buildRequest({}, target({ key: 'AQ.k/+', stream: true }))
    expect(built.url).toBe('https://aiplatform.googleapis.com/v1/publishers/google/models/gemini-2.5-flash:streamGenerateContent?alt=sse&key=AQ.k%2F%2B')
    expect(built.authorize).toBeUndefined()
  })
})

describe('Vertex regions and keys', () => {
  test('a model\'s own region, else default, else global; never a non-region string', () => {
    const other = '{"default":"us-central1","claude-sonnet-4-5":"us-east5"}'
    expect(vertexRegion(other, 'claude-sonnet-4-5')).toBe('us-east5')
    expect(vertexRegion(other, 'gemini-2.5-pro')).toBe('us-central1')
    expect(vertexRegion(other, 'claude-sonnet-4-5@20250929', 'claude-sonnet-4-5')).toBe('us-east5')
    expect(vertexRegion('{"default":"us-central1","alias":"asia-east1","upstream":"europe-west1"}', 'upstream', 'alias')).toBe('asia-east1')
    expect(vertexRegion('', 'x')).toBe('global')
    expect(vertexRegion('{"default":"a.b/c"}', 'x')).toBe('global')
    expect(vertexRegionsProblem('{"default":"a.b/c"}')).toContain('not a region name')
    expect(vertexRegionsProblem('{"gemini-2.5-pro": 1}')).toContain('the region of "gemini-2.5-pro"')
    expect(vertexRegionsProblem('us-central1')).toBeNull()
  })

  test('a JSON key must be a service account; the message names the missing field', () => {
    expect(vertexKeyProblem(serviceAccount('u@p'))).toBeNull()
    expect(vertexKeyProblem('AQ.express')).toBeNull()
    expect(vertexKeyProblem('{"project_id":"p","client_email":"e"}')).toBe('the service-account key has no "private_key"')
    expect(vertexKeyProblem('{"project_id":"p","client_email":"e","private_key":"abc"}')).toContain('PKCS#8')
    expect(vertexKeyProblem('[{}]')).toContain('batch or multi-key')
    expect(vertexKeyProblem('{not json')).toContain('does not parse')
  })
})

describe('Vertex access tokens', () => {
  test('concurrent requests share one exchange; a failed exchange is not cached', async () => {
    const account = { kind: 'service-account' as const, projectId: 'proj', clientEmail: 'concurrent@proj.iam', privateKey: pem, tokenUri: 'http://token.test/token' }
    let posts = 0
    let release!: () => void
    const gate = new Promise<void>((resolve) => { release = resolve })
    const post: AuthPost = async () => {
      posts++
      await gate
      return { status: 200, text: async () => JSON.stringify({ access_token: `t${posts}`, expires_in: 3600 }) }
    }
    const waiting = Array.from({ length: 8 }, () => vertexAccessToken(account, post))
    release()
    expect(await Promise.all(waiting)).toEqual(Array(8).fill('t1'))
    expect(posts).toBe(1)

    const failing = { ...account, clientEmail: 'failing@proj.iam' }
    let attempts = 0
    const refuse: AuthPost = async () => ({ status: attempts++ === 0 ? 400 : 200, text: async () => (attempts === 1 ? '{"error":"invalid_grant","error_description":"Invalid JWT Signature."}' : '{"access_token":"ok","expires_in":3600}') })
    await expect(vertexAccessToken(failing, refuse)).rejects.toThrow('invalid_grant: Invalid JWT Signature.')
    expect(await vertexAccessToken(failing, refuse)).toBe('ok')
  })

  test('an expired token is exchanged again (clock passed in)', async () => {
    const account = { kind: 'service-account' as const, projectId: 'proj', clientEmail: 'clock@proj.iam', privateKey: pem, tokenUri: 'http://token.test/token' }
    let now = 1_000_000
    let posts = 0
    const post: AuthPost = async () => ({ status: 200, text: async () => JSON.stringify({ access_token: `c${++posts}`, expires_in: 600 }) })
    expect(await vertexAccessToken(account, post, () => now)).toBe('c1')
    now += 500_000
    expect(await vertexAccessToken(account, post, () => now)).toBe('c1')
    now += 50_000
    expect(await vertexAccessToken(account, post, () => now)).toBe('c2')
  })
})
