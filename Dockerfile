# oauth3 gateway image. The build runs the same commands as .ci/run (npm ci, which runs `npm run build` through
# `prepare`); the runtime image holds dist/, the production node_modules and nothing else.
# For an attested deployment pin the base image by digest (node:22-bookworm-slim@sha256:…) so a rebuild is the
# same image; `npm run build` prints the build digest the gateway then reports (/health, its attestation).
FROM node:22-bookworm-slim AS build
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
COPY tsconfig.json tsconfig.build.json ./
COPY scripts ./scripts
COPY src ./src
# better-sqlite3 builds from source (no binary download); prepare runs `npm run build` (scripts/build.mjs)
RUN npm_config_build_from_source=true npm ci && npm prune --omit=dev

FROM node:22-bookworm-slim
ENV NODE_ENV=production \
    OAUTH3_HOST=0.0.0.0 \
    OAUTH3_PORT=8000 \
    OAUTH3_DATA_DIR=/data
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s CMD node -e "fetch('http://127.0.0.1:8000/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"
# The V8 flags of package.json's `start` (its memory: bench/README.md, "Memory"); keep the two the same.
CMD ["node", "--max-semi-space-size=8", "--initial-old-space-size=32", "--heap-growing-percent=50", "--v8-pool-size=2", "dist/cli/main.js", "serve"]
