# syntax=docker/dockerfile:1
# One image for every role: `migrate`, `serve`, `worker`, `setup`, `seed` (docs/DEPLOY.md).
#   docker build -t opsgate:local .
#   docker run --rm --init -e DATABASE_URL=postgres://… -e OPSGATE_ENCRYPTION_KEY=… opsgate:local migrate
#   docker run -d --init -p 3000:3000 -e DATABASE_URL=… -e OPSGATE_ENCRYPTION_KEY=… opsgate:local serve
# The image needs DATABASE_URL: it carries no usable embedded PostgreSQL (that is `npm start`'s).

# Node 24 runs the TypeScript sources directly (type stripping): there is no compile step.
ARG NODE_IMAGE=node:24-bookworm-slim

# ---- build: the web console's bundle (vite and react are devDependencies) ----
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: the "prepare" script would build the bundle before its sources are here,
# and the `node` devDependency would download a second Node 24; the base image's is used.
RUN npm ci --ignore-scripts --no-audit --no-fund
# The console imports a few shared modules (capabilities, permissions, route schemas) from src/.
COPY tsconfig.json tsconfig.base.json ./
COPY src ./src
COPY web ./web
RUN npm run build:web

# ---- runtime ----
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
# Production dependencies only. --ignore-scripts skips "prepare" (the bundle comes from the build
# stage) and the embedded PostgreSQL binaries' post-install step (never used with DATABASE_URL).
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY bin ./bin
COPY src ./src
# The sandbox cloud (a test and demo double): `opsgate sandbox`, and the CLI imports its TLS file names.
COPY sandbox ./sandbox
COPY --from=build /app/web/dist ./web/dist

# The official image's unprivileged user (uid 1000). It owns nothing under /app, and there is no
# writable data folder: without OPSGATE_ENCRYPTION_KEY a process stops at start (it cannot write
# a key file) instead of inventing a key of its own that no other container shares.
USER node
ENV HOST=0.0.0.0 \
    PORT=3000 \
    OPSGATE_DATA_DIR=/var/lib/opsgate \
    OPSGATE_SEED=none
EXPOSE 3000

# Ready = the database answers and every migration of this version is applied. `worker` serves no
# HTTP: compose.yaml gives it a check of its own (its metrics listener).
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/readyz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

# `node src/cli.ts` directly (not bin/opsgate.js, which would add a parent process): signals
# reach opsgate itself, which drains on SIGTERM (OPSGATE_SHUTDOWN_GRACE_SECONDS).
ENTRYPOINT ["node", "src/cli.ts"]
CMD ["serve"]
