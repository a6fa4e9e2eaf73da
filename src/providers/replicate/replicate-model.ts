import { ConversionError } from '../errors.ts'
import { joinUrl } from '../url.ts'

/**
 * Where a Replicate model's predictions are created. Official models are named `owner/name` and run at
 * `POST /v1/models/{owner}/{name}/predictions`; any other model runs a pinned version, named `owner/name:version`
 * (or the bare 64-hex version id), at `POST /v1/predictions` with `version` in the body.
 */
export interface ReplicateModel {
  url: string
  /** The version to put in the body, when the model is pinned to one. */
  version?: string
}

const OFFICIAL = /^([\w.-]+)\/([\w.-]+)$/
const PINNED = /^([\w.-]+)\/([\w.-]+):([0-9a-f]{64})$/
const VERSION = /^[0-9a-f]{64}$/

export function replicateModel(baseUrl: string, model: string): ReplicateModel {
  if (OFFICIAL.test(model)) {
    const [owner, name] = model.split('/')
    return { url: joinUrl(baseUrl, `/v1/models/${owner}/${name}/predictions`) }
  }
  const pinned = PINNED.exec(model)
  if (pinned || VERSION.test(model)) return { url: joinUrl(baseUrl, '/v1/predictions'), version: pinned ? pinned[3] : model }
  throw new ConversionError('invalid_model', `Replicate models are named owner/name or owner/name:version (a 64-hex version id), not "${model}"`, 'model')
}

/** A prediction's own URL on the channel's base URL (the key goes only there, never to a URL an answer names). */
export const predictionUrl = (baseUrl: string, id: string) => joinUrl(baseUrl, `/v1/predictions/${encodeURIComponent(id)}`)
