/**
 * Imported first by the entrypoint, before Elysia is loaded: Elysia decides once, at import, whether to describe a
 * validation failure by pretty-printing the offending value (slow on a hostile body, and it echoes input) and Bun
 * shows its development error page (stack frames, source lines) when NODE_ENV is not `production`. `bun run start`,
 * the compiled binary and the image must all behave as production, whatever NODE_ENV says.
 */
process.env.NODE_ENV = 'production'
