// Files imported `with { type: 'file' }` (see api-docs.ts): Bun gives their path, on disk or in the binary.
declare module 'swagger-ui-dist/swagger-ui-bundle.js' {
  const path: string
  export default path
}
declare module 'swagger-ui-dist/swagger-ui.css' {
  const path: string
  export default path
}
