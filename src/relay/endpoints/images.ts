import type { RelayRoute } from '../endpoint.ts'
import { createImagesEndpoint } from '../exchanges/images-exchange.ts'
import { ImageEditRequest, ImageGenerationRequest, ImagesResponse, ImageVariationRequest, relayDoc } from '../schemas.ts'

/** OpenAI's image routes on OpenAI-format channels (OpenAI, Azure, image vendors) and on Gemini (converted). */
export const imageGenerationsEndpoint = createImagesEndpoint('generations', '/v1/images/generations')
export const imageEditsEndpoint = createImagesEndpoint('edits', '/v1/images/edits')
export const imageVariationsEndpoint = createImagesEndpoint('variations', '/v1/images/variations')

export const imagesRoutes: RelayRoute[] = [
  { path: '/v1/images/generations', endpoint: imageGenerationsEndpoint, detail: relayDoc('Image generation (billed per image, or by usage tokens for gpt-image models)', ImageGenerationRequest, ImagesResponse, { stream: true }) },
  { path: '/v1/images/edits', endpoint: imageEditsEndpoint, detail: relayDoc('Image edit: multipart with image (or image[]) and an optional mask', ImageEditRequest, ImagesResponse, { stream: true, multipart: true }) },
  { path: '/v1/images/variations', endpoint: imageVariationsEndpoint, detail: relayDoc('Image variations of one uploaded image (dall-e-2)', ImageVariationRequest, ImagesResponse, { multipart: true }) },
]
