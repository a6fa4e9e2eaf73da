import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import OpenAI from 'openai'
import { startMockRealtimeUpstream, type MockRealtimeUpstream } from '../../../bench/mock-realtime-upstream.ts'
import { createSecretBox } from '../../security/crypto.ts'
import { startRelayHarness, type RelayHarness } from '../../testing/relay.ts'
import { openClientSecret, sealClientSecret } from './client-secrets.ts'

/**
 * Client secrets: a server asks the gateway for one (the openai SDK's `realtime.clientSecrets.create`, or the beta
 * `/v1/realtime/sessions`), hands it to a browser, and the browser's session runs through the gateway and is billed.
 * The upstream's own ephemeral key never reaches the client.
 */

let harness: RelayHarness
let upstream: MockRealtimeUpstream
const MODEL = 'gpt-realtime'
const CRYPTO_SECRET = 'client-secrets-test-crypto-secret'

beforeAll(async () => {
  upstream = startMockRealtimeUpstream({ key: 'sk-upstream' })
  harness = await startRelayHarness({ env: { CRYPTO_SECRET } })
  await harness.setOption('ModelRatio', { [MODEL]: 2, 'gpt-realtime-az': 2 })
  await harness.addChannel({ name: 'openai-realtime', base_url: upstream.url, models: MODEL, model_mapping: JSON.stringify({ [MODEL]: 'gpt-realtime-2025-08-28' }) })
  await harness.addChannel({ type: 3, name: 'azure-preview', base_url: upstream.url, other: '2025-04-01-preview', models: 'gpt-realtime-az' })
}, 30_000)

afterAll(async () => {
  await harness.dispose()
  await upstream.stop()
})

/** A browser's session opened with a client secret in its subprotocols. */
async function browserWithSecret(secret: string, protocols: string[] = []) {
  const events: { type: string; [field: string]: unknown }[] = []
  const socket = new WebSocket(`${harness.server.url.replace('http', 'ws')}/v1/realtime`, ['realtime', `openai-insecure-api-key.${secret}`, ...protocols])
  socket.onmessage = (message) => events.push(JSON.parse(String(message.data)))
  const closed = new Promise<number>((resolve) => { socket.onclose = (event) => resolve(event.code) })
  const until = async (type: string) => { while (!events.some((event) => event.type === type)) await Bun.sleep(5) }
  return { socket, events, closed, until }
}

describe('client secrets', () => {
  test('the SDK gets a client secret of the gateway\'s; a browser opens a billed session with it, configured as asked', async () => {
    const { key } = await harness.addToken({ name: 'issuer' })
    const client = new OpenAI({ apiKey: key, baseURL: `${harness.server.url}/v1` })
    const secret = await client.realtime.clientSecrets.create({ session: { type: 'realtime', model: MODEL, instructions: 'Speak like a pirate.' } })
    expect(secret.value).toStartWith('ek_tg_')
    expect(secret.value).not.toContain('ek_mock')
    expect(secret.expires_at).toBeGreaterThan(Date.now() / 1000)
    expect(secret.session).toMatchObject({ model: MODEL, instructions: 'Speak like a pirate.' })
    const relayed = upstream.secretRequests.at(-1)!
    expect(relayed.path).toBe('/v1/realtime/client_secrets')
    expect(relayed.headers.authorization).toBe('Bearer sk-upstream')
    expect((relayed.body.session as { model: string }).model).toBe('gpt-realtime-2025-08-28')

    const browser = await browserWithSecret(secret.value)
    await browser.until('session.updated')
    const connection = upstream.connections.at(-1)!
    expect(connection.path).toBe('/v1/realtime?model=gpt-realtime-2025-08-28')
    expect(JSON.parse(connection.received[0] as string)).toEqual({ type: 'session.update', session: { type: 'realtime', instructions: 'Speak like a pirate.' } })
    browser.socket.send(JSON.stringify({ type: 'response.create' }))
    await browser.until('response.done')
    browser.socket.close(1000)
    await browser.closed
    await harness.server.flushUsage()
    const row = (await harness.root.call('GET', `/api/log/?type=2&model_name=${MODEL}&token_name=issuer&page_size=5`)).body.data.items
    expect(row.length).toBe(1)
    expect(JSON.parse(row[0].other).realtime).toBe(true)
  })

  test('the beta sessions route answers the session with the gateway\'s client_secret; Azure\'s preview sessions path is used', async () => {
    const { key } = await harness.addToken({ name: 'beta-issuer' })
    const response = await fetch(`${harness.server.url}/v1/realtime/sessions`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify({ model: 'gpt-realtime-az', modalities: ['text'] }) })
    expect(response.status).toBe(200)
    const session = await response.json() as { model: string; modalities: string[]; client_secret: { value: string } }
    expect(session.model).toBe('gpt-realtime-az')
    expect(session.modalities).toEqual(['text'])
    expect(session.client_secret.value).toStartWith('ek_tg_')
    const relayed = upstream.secretRequests.at(-1)!
    expect(relayed.path).toBe('/openai/realtimeapi/sessions?api-version=2025-04-01-preview')
    expect(relayed.headers['api-key']).toBe('sk-upstream')

    const browser = await browserWithSecret(session.client_secret.value)
    await browser.until('session.created')
    // Issued by the beta route: the upstream is spoken to in the beta dialect.
    expect(upstream.connections.at(-1)!.headers['openai-beta']).toBe('realtime=v1')
    expect(upstream.connections.at(-1)!.path).toBe('/openai/realtime?api-version=2025-04-01-preview&deployment=gpt-realtime-az')
    browser.socket.close(1000)
    await browser.closed
  })

  test('the upstream\'s refusal of a configuration is the client\'s answer; a bad, forged or expired secret is a 401', async () => {
    const { key, id } = await harness.addToken({ name: 'refused' })
    const missing = await fetch(`${harness.server.url}/v1/realtime/client_secrets`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify({ session: { type: 'realtime' } }) })
    expect(missing.status).toBe(400)
    expect((await missing.json()).error.message).toContain('session.model')
    const noKey = await fetch(`${harness.server.url}/v1/realtime/client_secrets`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ session: { model: MODEL } }) })
    expect(noKey.status).toBe(401)

    const upgrade = (secret: string) => fetch(`${harness.server.url}/v1/realtime`, { headers: { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==', 'sec-websocket-protocol': `realtime, openai-insecure-api-key.${secret}` } })
    const otherBox = createSecretBox('not the gateway secret')
    const future = Math.floor(Date.now() / 1000) + 600
    expect((await upgrade(sealClientSecret(otherBox, { tokenId: id, model: MODEL, expiresAt: future, beta: false }))).status).toBe(401)
    expect((await upgrade('ek_tg_garbage')).status).toBe(401)
    // Sealed with the gateway's own key: good until it expires, refused after.
    const gatewayBox = createSecretBox(CRYPTO_SECRET)
    expect((await upgrade(sealClientSecret(gatewayBox, { tokenId: id, model: MODEL, expiresAt: Math.floor(Date.now() / 1000) - 1, beta: false }))).status).toBe(401)
    const valid = await upgrade(sealClientSecret(gatewayBox, { tokenId: id, model: MODEL, expiresAt: future, beta: false }))
    expect(valid.status).toBe(101)
    await valid.body?.cancel()
    expect((await upgrade('ek_mock_1')).status).toBe(401)
  })

  test('the OpenAPI document describes the upgrade and the secret routes', async () => {
    const document = await (await fetch(`${harness.server.url}/swagger/json`)).json() as { paths: Record<string, Record<string, { responses: Record<string, unknown>; requestBody?: { content: Record<string, { schema: { properties: Record<string, unknown> } }> } }>> }
    expect(Object.keys(document.paths['/v1/realtime']!.get!.responses)).toEqual(expect.arrayContaining(['101', '401', '426']))
    expect(Object.keys(document.paths['/v1/realtime/client_secrets']!.post!.requestBody!.content['application/json']!.schema.properties)).toContain('session')
    expect(Object.keys(document.paths['/v1/realtime/sessions']!.post!.requestBody!.content['application/json']!.schema.properties)).toContain('model')
  })

  test('a sealed secret opens only with the same key and is unreadable without it', () => {
    const box = createSecretBox('one')
    const sealed = sealClientSecret(box, { tokenId: 7, model: MODEL, expiresAt: 123, session: { instructions: 'secret instructions' }, beta: true })
    expect(sealed).toMatch(/^ek_tg_[A-Za-z0-9_-]+$/)
    expect(sealed).not.toContain('secret instructions')
    expect(openClientSecret(box, sealed)).toEqual({ tokenId: 7, model: MODEL, expiresAt: 123, session: { instructions: 'secret instructions' }, beta: true })
    expect(openClientSecret(createSecretBox('two'), sealed)).toBeUndefined()
    expect(openClientSecret(box, sealed.slice(0, -4))).toBeUndefined()
  })
})
