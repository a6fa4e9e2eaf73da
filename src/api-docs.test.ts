import SwaggerParser from '@apidevtools/swagger-parser'
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { toOpenApiSchema } from './api-docs.ts'
import { startTestServer, type TestServer } from './testing/server.ts'

type Document = { paths: Record<string, Record<string, { security?: Record<string, string[]>[]; responses: Record<string, { description?: string }> }>>; components: { securitySchemes: Record<string, unknown> } }

describe('the API documentation', () => {
  let server: TestServer
  let document: Document
  beforeAll(async () => {
    server = await startTestServer()
    document = await (await fetch(`${server.url}/swagger/json`)).json() as Document
  }, 30_000)
  afterAll(() => server.dispose())

  test('is a valid OpenAPI 3 document (a real validator) with every response described', async () => {
    await SwaggerParser.validate(structuredClone(document) as never)
    for (const [path, operations] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        for (const [status, response] of Object.entries(operation.responses)) {
          if (!response.description) throw new Error(`${method.toUpperCase()} ${path} ${status} has no description`)
        }
      }
    }
  }, 30_000)

  test('declares how each surface authenticates', () => {
    expect(Object.keys(document.components.securitySchemes).sort()).toEqual(['accessToken', 'anthropicKey', 'bearerAuth', 'geminiKey', 'geminiQueryKey', 'metricsToken', 'sessionCookie'])
    expect(document.paths['/api/user/self']!.get!.security).toEqual([{ sessionCookie: [] }, { accessToken: [] }])
    expect(document.paths['/api/channel/']!.get!.security).toEqual([{ sessionCookie: [] }, { accessToken: [] }])
    expect(document.paths['/api/status']!.get!.security).toBeUndefined()
    expect(document.paths['/v1/chat/completions']!.post!.security).toEqual([{ bearerAuth: [] }])
    expect(document.paths['/v1/messages']!.post!.security).toEqual([{ bearerAuth: [] }, { anthropicKey: [] }])
  })

  test('documents every relay surface, the Gemini methods included', () => {
    for (const path of ['/v1/chat/completions', '/v1/responses', '/v1/messages', '/v1/embeddings', '/v1/images/generations', '/v1/audio/speech', '/v1/rerank',
      '/v1beta/models/{model}:generateContent', '/v1beta/models/{model}:streamGenerateContent', '/v1beta/models/{model}:countTokens',
      '/v1beta/models/{model}:embedContent', '/v1beta/models/{model}:batchEmbedContents', '/v1/models/{model}:generateContent']) {
      expect(document.paths[path]).toBeDefined()
    }
  })

  test('the page and its script come from the gateway itself, not a CDN', async () => {
    const page = await (await fetch(`${server.url}/swagger`)).text()
    expect(page).not.toMatch(/https?:\/\//)
    for (const [asset, type] of [['swagger-ui-bundle.js', 'text/javascript'], ['swagger-ui.css', 'text/css']] as const) {
      expect(page).toContain(`/swagger/assets/${asset}`)
      const response = await fetch(`${server.url}/swagger/assets/${asset}`)
      expect(response.status).toBe(200)
      expect(response.headers.get('content-type')).toStartWith(type)
      expect((await response.arrayBuffer()).byteLength).toBeGreaterThan(100_000)
    }
    const unknown = await fetch(`${server.url}/swagger/assets/..%2F..%2Fpackage.json`)
    expect(unknown.status).toBe(404)
  })
})

test('TypeBox keywords OpenAPI 3.0 lacks become their 3.0 equivalents', () => {
  expect(toOpenApiSchema({ const: 'x' })).toEqual({ enum: ['x'], type: 'string' })
  expect(toOpenApiSchema({ type: 'object', patternProperties: { '^(.*)$': { type: 'number' } }, additionalProperties: false })).toEqual({ type: 'object', additionalProperties: { type: 'number' } })
  expect(toOpenApiSchema({ anyOf: [{ type: 'string' }, { type: 'null' }] })).toEqual({ nullable: true, type: 'string' })
  expect(toOpenApiSchema({ type: 'string', error: 'custom message', examples: ['a'] })).toEqual({ type: 'string', example: 'a' })
  expect(toOpenApiSchema({ type: 'number', exclusiveMinimum: 0 })).toEqual({ type: 'number', minimum: 0, exclusiveMinimum: true })
})
