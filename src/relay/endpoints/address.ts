/** What the relay routes read of Bun's server: the client's address. */
export type ServerLike = { requestIP(request: Request): { address: string } | null } | null

export const addressOf = (request: Request, server: ServerLike) => server?.requestIP(request)?.address ?? ''
