# Tollgate: one image, every deployment shape (SQLite by default; DATABASE_URL / REDIS_URL for many nodes).
# The build context is filtered by .dockerignore: the host's node_modules, data/ (its secrets) and builds stay out.
FROM oven/bun:1.4.5 AS build
WORKDIR /app
COPY package.json bun.lock ./
RUN bun install --frozen-lockfile
COPY . .
RUN bun run build && rm -rf node_modules && bun install --frozen-lockfile --production

FROM oven/bun:1.4.5-slim
WORKDIR /app
# Bun's fetch allows 256 requests in flight unless this is set before start (only UPSTREAM_CLIENT=fetch uses it).
ENV NODE_ENV=production DATA_DIR=/data PORT=3000 BUN_CONFIG_MAX_HTTP_REQUESTS=16384
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/package.json /app/bun.lock ./
COPY --from=build /app/src ./src
COPY --from=build /app/workers ./workers
COPY --from=build /app/drizzle ./drizzle
COPY --from=build /app/admin/dist ./admin/dist
# The volume's mount point must exist and belong to the runtime user before VOLUME: a named volume is created
# with the image folder's owner and mode, so the non-root process can write its database and secrets there.
RUN mkdir -p /data && chown bun:bun /data && chmod 700 /data
VOLUME /data
EXPOSE 3000
USER bun
HEALTHCHECK --interval=30s --timeout=3s CMD bun -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/api/status').then(r=>process.exit(r.ok?0:1)).catch(()=>process.exit(1))"
# On SIGTERM the gateway lets in-flight requests (long streams) finish for up to 30 s, then writes their usage:
# give it longer than Docker's default 10 s before SIGKILL (`docker run --stop-timeout 40`; compose sets stop_grace_period).
CMD ["bun", "src/index.ts"]
