// Embedded in the compiled binary as files (Bun's `type: "file"` import), served from node_modules otherwise:
// the docs page works without internet. Loaded on the first visit of /swagger only (see app.ts).
import uiBundle from 'swagger-ui-dist/swagger-ui-bundle.js' with { type: 'file' }
import uiStyles from 'swagger-ui-dist/swagger-ui.css' with { type: 'file' }
import { GeminiRequest, GeminiResponse } from './relay/schemas.ts'

/**
 * The API documentation: the OpenAPI document Elysia's swagger plugin generates from the routes, made a valid
 * OpenAPI 3.0 document, and the Swagger UI page that reads it, with its script and styles served by the gateway.
 *
 * What the generated document needs, in one place (`normaliseOpenApi`):
 * - TypeBox writes JSON Schema that OpenAPI 3.0's schema dialect does not have: `const`, `patternProperties`
 *   (records), `type: "null"` in unions, and Elysia's own `error` messages.
 * - Every response needs a `description`; routes without an explicit one get the status text.
 * - Security: the schemes are declared here; management routes get theirs from the `role` macro
 *   (api/context.ts: session cookie or access token), relay routes from `relayDoc`, and the key headers of the Anthropic and Gemini surfaces are
 *   added by path.
 * - The Gemini methods (`/v1beta/models/{model}:generateContent` …) are served by one wildcard route, which the
 *   plugin leaves out; they are written out here.
 */

export const securitySchemes = {
  bearerAuth: { type: 'http', scheme: 'bearer', description: 'A relay key (`sk-…`), as OpenAI clients send it' },
  anthropicKey: { type: 'apiKey', in: 'header', name: 'x-api-key', description: 'A relay key, as Anthropic clients send it' },
  geminiKey: { type: 'apiKey', in: 'header', name: 'x-goog-api-key', description: 'A relay key, as Google clients send it' },
  geminiQueryKey: { type: 'apiKey', in: 'query', name: 'key', description: 'A relay key in the query string (Gemini REST)' },
  sessionCookie: { type: 'apiKey', in: 'cookie', name: 'session', description: 'The console\'s session, set by POST /api/user/login' },
  metricsToken: { type: 'http', scheme: 'bearer', description: 'METRICS_TOKEN, for GET /metrics' },
  accessToken: { type: 'http', scheme: 'bearer', description: 'A user\'s access token (GET /api/user/token), with `New-Api-User: <id>` as new-api expects' },
} as const

const geminiMethods = [
  ['generateContent', 'Generate content (Gemini shape) from any chat channel'],
  ['streamGenerateContent', 'Generate content as a stream (`alt=sse` for server-sent events)'],
  ['countTokens', 'Count the input tokens of a request'],
  ['embedContent', 'Embed one content from any channel with embeddings'],
  ['batchEmbedContents', 'Embed several contents'],
] as const

const geminiError = { description: 'Refused (Gemini error shape: `{error: {code, message, status}}`)', content: { 'application/json': { schema: { type: 'object', properties: { error: { type: 'object', properties: { code: { type: 'integer' }, message: { type: 'string' }, status: { type: 'string' } } } } } } } }

function geminiPaths(): Record<string, unknown> {
  const paths: Record<string, unknown> = {}
  for (const prefix of ['/v1beta', '/v1']) {
    for (const [method, summary] of geminiMethods) {
      paths[`${prefix}/models/{model}:${method}`] = {
        post: {
          tags: ['Relay'], summary: prefix === '/v1' ? `${summary} (under /v1, as @google/genai sends it)` : summary,
          operationId: `gemini${prefix === '/v1' ? 'V1' : ''}${method[0]!.toUpperCase()}${method.slice(1)}`,
          parameters: [
            { name: 'model', in: 'path', required: true, schema: { type: 'string' }, description: 'Model name, e.g. gemini-2.5-flash' },
            ...(method === 'streamGenerateContent' ? [{ name: 'alt', in: 'query', schema: { type: 'string', enum: ['sse'] }, description: '`sse` for server-sent events' }] : []),
          ],
          security: [{ geminiKey: [] }, { geminiQueryKey: [] }, { bearerAuth: [] }],
          requestBody: { required: true, content: { 'application/json': { schema: GeminiRequest } } },
          responses: {
            200: { description: method === 'streamGenerateContent' ? 'A JSON array of chunks, or text/event-stream with alt=sse' : 'Success', content: { 'application/json': { schema: method === 'generateContent' || method === 'streamGenerateContent' ? GeminiResponse : { type: 'object' } } } },
            400: geminiError, 401: geminiError, 403: geminiError, 503: geminiError,
          },
        },
      }
    }
  }
  return paths
}

export const documentation = (version: string) => ({
  info: { title: 'Tollgate API', version, description: 'LLM gateway: new-api compatible management API and the OpenAI, Anthropic and Gemini relay surfaces' },
  tags: [
    { name: 'System', description: 'Status, options, groups' }, { name: 'Users', description: 'Sign-in and own account' },
    { name: 'Users (admin)', description: 'User management' }, { name: 'Tokens', description: 'API keys' },
    { name: 'Channels', description: 'Upstream providers and keys' }, { name: 'Options', description: 'Root settings' },
    { name: 'Logs', description: 'Usage logs and aggregates' }, { name: 'Relay', description: 'OpenAI, Anthropic and Gemini compatible endpoints' },
  ],
  components: { securitySchemes },
  paths: geminiPaths(),
})

const statusText: Record<string, string> = {
  200: 'Success', 201: 'Created', 204: 'No content', 400: 'Bad request', 401: 'Not signed in or bad key', 403: 'Refused',
  404: 'Not found', 409: 'Conflict', 413: 'Body too large', 429: 'Too many requests', 500: 'Server error', 502: 'Upstream failed', 503: 'Unavailable',
}

/** Keywords of OpenAPI 3.0's schema object (plus `$ref` and extensions); anything else TypeBox wrote is dropped. */
const schemaKeywords = new Set(['title', 'multipleOf', 'maximum', 'exclusiveMaximum', 'minimum', 'exclusiveMinimum', 'maxLength', 'minLength', 'pattern',
  'maxItems', 'minItems', 'uniqueItems', 'maxProperties', 'minProperties', 'required', 'enum', 'type', 'allOf', 'oneOf', 'anyOf', 'not', 'items',
  'properties', 'additionalProperties', 'description', 'format', 'default', 'nullable', 'discriminator', 'readOnly', 'writeOnly', 'xml',
  'externalDocs', 'example', 'deprecated', '$ref'])

/** A JSON Schema (TypeBox's) as an OpenAPI 3.0 schema object. */
export function toOpenApiSchema(input: unknown): unknown {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return input
  const schema = input as Record<string, unknown>
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'properties' && typeof value === 'object' && value) {
      out.properties = Object.fromEntries(Object.entries(value).map(([name, property]) => [name, toOpenApiSchema(property)]))
    } else if (key === 'items' || key === 'not' || (key === 'additionalProperties' && typeof value === 'object')) {
      out[key] = toOpenApiSchema(value)
    } else if ((key === 'anyOf' || key === 'oneOf' || key === 'allOf') && Array.isArray(value)) {
      // `X | null` is `nullable: true` in 3.0.
      const branches = value.filter((branch) => (branch as { type?: unknown }).type !== 'null')
      if (branches.length < value.length) out.nullable = true
      if (branches.length === 1 && key !== 'allOf') Object.assign(out, toOpenApiSchema(branches[0]))
      else if (branches.length > 0) out[key] = branches.map(toOpenApiSchema)
    } else if (key === 'const') {
      out.enum = [value]
      if (schema.type === undefined && value !== null) out.type = typeof value === 'number' ? 'number' : typeof value
    } else if (key === 'patternProperties' && typeof value === 'object' && value) {
      // A record: every key matches; 3.0 says that with additionalProperties.
      const [valueSchema] = Object.values(value)
      if (schema.additionalProperties === undefined || schema.additionalProperties === false) out.additionalProperties = toOpenApiSchema(valueSchema)
    } else if ((key === 'exclusiveMinimum' || key === 'exclusiveMaximum') && typeof value === 'number') {
      // JSON Schema's numeric form; 3.0 has the bound in minimum / maximum and a boolean flag.
      out[key === 'exclusiveMinimum' ? 'minimum' : 'maximum'] = value
      out[key] = true
    } else if (key === 'examples' && Array.isArray(value) && value.length > 0) {
      out.example = value[0]
    } else if (key === 'type' && value === 'null') {
      out.nullable = true
    } else if (key === 'additionalProperties' && value === false && schema.patternProperties) {
      // Replaced by the record's value schema above.
    } else if (schemaKeywords.has(key) || key.startsWith('x-')) {
      out[key] = value
    }
  }
  return out
}

/**
 * Elysia lists every JSON schema also under multipart/form-data and text/plain, which management routes do not
 * accept or answer (and which makes the document three times the size Swagger UI can render): a copy of the JSON
 * entry's schema under another media type is dropped. Real multipart bodies (uploads) have their own schema.
 */
function dropCopiedMedia(content: Record<string, { schema?: unknown }> | undefined) {
  const json = content?.['application/json']?.schema
  if (!content || json === undefined) return
  const text = JSON.stringify(json)
  for (const media of ['multipart/form-data', 'text/plain']) if (content[media] && JSON.stringify(content[media]!.schema) === text) delete content[media]
}

type Operation = { responses?: Record<string, { description?: string; content?: Record<string, { schema?: unknown }> }>; requestBody?: { content?: Record<string, { schema?: unknown }> }; parameters?: { schema?: unknown }[]; security?: unknown[] }

/** The plugin's document, made valid OpenAPI 3.0 (see the top of this file). Pure: returns a new document. */
export function normaliseOpenApi(generated: { paths: Record<string, Record<string, Operation>> } & Record<string, unknown>) {
  const document = structuredClone(generated)
  for (const [path, operations] of Object.entries(document.paths)) {
    for (const operation of Object.values(operations)) {
      operation.responses ??= { 200: { description: 'Success' } }
      if (Object.keys(operation.responses).length === 0) operation.responses[200] = { description: 'Success' }
      for (const [status, answer] of Object.entries(operation.responses)) {
        // A union response schema comes through as schema keywords mixed into the response object: keep them
        // only as the content's schema.
        const { description, content, ...stray } = answer as Record<string, unknown>
        const response = (Object.keys(stray).length > 0
          ? { description, content: content ?? { 'application/json': { schema: stray } } }
          : answer) as NonNullable<Operation['responses']>[string]
        operation.responses[status] = response
        response.description ||= statusText[status] ?? `HTTP ${status}`
        dropCopiedMedia(response.content)
        for (const media of Object.values(response.content ?? {})) if (media.schema) media.schema = toOpenApiSchema(media.schema)
      }
      dropCopiedMedia(operation.requestBody?.content)
      for (const media of Object.values(operation.requestBody?.content ?? {})) if (media.schema) media.schema = toOpenApiSchema(media.schema)
      for (const parameter of operation.parameters ?? []) if (parameter.schema) parameter.schema = toOpenApiSchema(parameter.schema)
      if (path === '/v1/messages' || path === '/v1/messages/count_tokens') operation.security = [{ bearerAuth: [] }, { anthropicKey: [] }]
      else if (path.startsWith('/v1beta/') && !operation.security) operation.security = [{ geminiKey: [] }, { geminiQueryKey: [] }, { bearerAuth: [] }]
    }
  }
  return document
}

/**
 * Swagger UI, from the gateway itself. Groups start collapsed: with every group open, Swagger UI 5.35 stops rendering
 * the whole document (155 operations) after its first groups, without an error; collapsed, each opens in full.
 */
export const uiPage = (title: string) => `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8" />
  <meta name="viewport" content="width=device-width, initial-scale=1" />
  <title>${title}</title>
  <link rel="stylesheet" href="/swagger/assets/swagger-ui.css" />
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/swagger/assets/swagger-ui-bundle.js"></script>
  <script>window.ui = SwaggerUIBundle({ url: '/swagger/json', dom_id: '#swagger-ui', docExpansion: 'none', filter: true, persistAuthorization: true })</script>
</body>
</html>`

/** The page's two files, by the name the page asks for. */
export const uiAssets: Record<string, { path: string; type: string }> = {
  'swagger-ui-bundle.js': { path: uiBundle, type: 'text/javascript; charset=utf-8' },
  'swagger-ui.css': { path: uiStyles, type: 'text/css; charset=utf-8' },
}
