# syntax=docker/dockerfile:1
# Node.js 24 LTS in both stages, as in CI. The 24 tag follows the newest 24.x: the
# build tools want >= 24.15 (@nestjs/cli's schematics) and typeorm >= 24.11.
# Build: install everything, compile, then drop the dev dependencies (CI runs the same steps:
# npm ci, npm run build, and a production boot from `npm ci --omit=dev`, on Node 24 too).
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY nest-cli.json tsconfig.json tsconfig.build.json ormconfig.ts ./
COPY src ./src
COPY libs ./libs
COPY examples ./examples
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

# Run: production mode, unprivileged user. Secrets come from the environment or mounted files
# (REFRESH_TOKEN_SECRET, JWT_SIGNING_KEYS or JWT_SIGNING_KEY_FILES), and MAIL_URL says how mail
# leaves; without them Warden exits and names the missing variable. Set DATABASE_URL, or mount a volume at /app/data for the
# embedded database.
FROM node:24-bookworm-slim
# MALLOC_ARENA_MAX: argon2 works in 19 MiB buffers on several threads; two malloc arenas keep them
# from each holding on to memory.
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    DATA_DIR=/app/data \
    MALLOC_ARENA_MAX=2
WORKDIR /app
COPY --from=build --chown=node:node /app/package.json ./
COPY --from=build --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/dist ./dist
RUN mkdir -p /app/data && chown node:node /app/data
USER node
EXPOSE 3000
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/health/live').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# A small young generation and a capped old one (4x the live heap): V8 then collects before it
# grows, and an instance stays under 250 MB (see README, Performance).
CMD ["node", "--max-semi-space-size=4", "--max-old-space-size=256", "dist/src/main.js"]
