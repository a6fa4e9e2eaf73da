import { isRecord } from '../canonical.ts'
import type { JsonObject } from '../canonical.ts'
import { ConversionError } from '../errors.ts'

/** Keywords Gemini's OpenAPI-subset Schema accepts, kept as they are. */
const keptKeywords = new Set([
  'type', 'format', 'description', 'nullable', 'enum', 'maxItems', 'minItems', 'properties', 'required', 'items',
  'minimum', 'maximum', 'anyOf', 'propertyOrdering', 'title', 'minLength', 'maxLength', 'pattern', 'minProperties',
  'maxProperties', 'default', 'example',
])

/** Annotations and constraints Gemini lacks whose absence only makes the schema more permissive. */
const droppableKeywords = new Set([
  '$schema', '$id', '$comment', '$defs', 'definitions', 'additionalProperties', 'examples', 'readOnly', 'writeOnly',
  'deprecated', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf', 'uniqueItems', 'contentEncoding',
  'contentMediaType', 'strict', 'unevaluatedProperties', 'unevaluatedItems',
])

/**
 * JSON Schema (as OpenAI tools carry it) → Gemini Schema. Gemini understands a subset of OpenAPI 3.0:
 * - `$ref` into `$defs`/`definitions` is inlined; a recursive reference cannot be inlined and is refused;
 * - `type: [T, "null"]` becomes `type: T, nullable: true`; several non-null types become `anyOf`;
 * - `const` becomes a one-value enum; `oneOf` becomes `anyOf`; a single-member `allOf` is unwrapped;
 * - enums of non-strings (Gemini enums are strings) are moved into the description, so the model still sees them;
 * - keywords that only loosen validation when absent (additionalProperties, $schema, ...) are dropped;
 * - keywords that change meaning and have no equivalent (not, if/then/else, patternProperties, prefixItems,
 *   multi-member allOf, dependentSchemas) are refused with a ConversionError naming the keyword and the tool.
 */
export function convertToGeminiSchema(schema: unknown, param: string): JsonObject {
  if (!isRecord(schema)) throw new ConversionError('unsupported_tool_schema', `${param} must be a JSON Schema object`, param)
  const definitions = { ...(isRecord(schema.definitions) ? schema.definitions : {}), ...(isRecord(schema.$defs) ? schema.$defs : {}) }
  return convertNode(schema, param, definitions, [])
}

function convertNode(node: JsonObject, param: string, definitions: JsonObject, refStack: string[]): JsonObject {
  if (typeof node.$ref === 'string') {
    const reference = node.$ref
    const name = /^#\/(?:\$defs|definitions)\/(.+)$/.exec(reference)?.[1]
    const target = name === undefined ? undefined : definitions[decodeURIComponent(name)]
    if (!isRecord(target)) throw new ConversionError('unsupported_tool_schema', `${param}: $ref "${reference}" cannot be resolved for Gemini`, param)
    if (refStack.includes(reference)) {
      throw new ConversionError('unsupported_tool_schema', `${param}: recursive $ref "${reference}" cannot be expressed in a Gemini schema`, param)
    }
    const { $ref: _reference, ...siblings } = node
    return convertNode({ ...target, ...siblings }, param, definitions, [...refStack, reference])
  }

  const result: JsonObject = {}
  for (const [keyword, value] of Object.entries(node)) {
    switch (keyword) {
      case 'type': {
        if (Array.isArray(value)) {
          const types = value.filter((entry) => entry !== 'null')
          if (types.length < value.length) result.nullable = true
          if (types.length === 1) result.type = types[0]
          else if (types.length > 1) result.anyOf = types.map((type) => ({ type }))
        } else if (value === 'null') {
          result.nullable = true
        } else {
          result.type = value
        }
        break
      }
      case 'properties': {
        if (!isRecord(value)) break
        const properties: JsonObject = {}
        for (const [name, property] of Object.entries(value)) {
          properties[name] = isRecord(property) ? convertNode(property, `${param}.properties.${name}`, definitions, refStack) : {}
        }
        result.properties = properties
        break
      }
      case 'items':
        if (isRecord(value)) result.items = convertNode(value, `${param}.items`, definitions, refStack)
        else if (Array.isArray(value)) throw new ConversionError('unsupported_tool_schema', `${param}: tuple "items" arrays cannot be expressed in a Gemini schema`, param)
        break
      case 'anyOf':
      case 'oneOf':
        if (Array.isArray(value)) {
          result.anyOf = value.map((member, memberIndex) => convertNode(isRecord(member) ? member : {}, `${param}.${keyword}[${memberIndex}]`, definitions, refStack))
        }
        break
      case 'allOf':
        if (Array.isArray(value) && value.length === 1 && isRecord(value[0])) {
          Object.assign(result, convertNode(value[0], `${param}.allOf[0]`, definitions, refStack))
        } else {
          throw new ConversionError('unsupported_tool_schema', `${param}: "allOf" with several members cannot be expressed in a Gemini schema`, param)
        }
        break
      case 'const':
        result.enum = [String(value)]
        if (result.type === undefined && node.type === undefined) result.type = 'string'
        break
      case 'enum':
        if (Array.isArray(value) && value.every((entry) => typeof entry === 'string')) {
          result.enum = value
        } else if (Array.isArray(value)) {
          const allowed = `Allowed values: ${value.map((entry) => JSON.stringify(entry)).join(', ')}.`
          const description = typeof node.description === 'string' ? `${node.description} ${allowed}` : allowed
          result.description = description
        }
        break
      case 'description':
        if (result.description === undefined) result.description = value
        break
      default:
        if (keptKeywords.has(keyword)) result[keyword] = value
        else if (!droppableKeywords.has(keyword)) {
          throw new ConversionError('unsupported_tool_schema', `${param}: JSON Schema keyword "${keyword}" cannot be expressed in a Gemini schema`, param)
        }
    }
  }
  if (Array.isArray(result.required) && isRecord(result.properties)) {
    const names = result.properties
    result.required = (result.required as unknown[]).filter((name) => typeof name === 'string' && name in names)
  }
  return result
}
