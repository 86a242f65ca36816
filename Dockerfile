# Container recipe for the CDS Hooks service (docs/deployment.md).
#
# NOT BUILT HERE: no container engine runs on the machines this project is developed and tested on, so this
# file has never been built or run. What CI does test is the production install it repeats step for step
# (`npm run check:production-install`, run by .ci/run: `npm ci --omit=dev` in a clean copy, the bundle built
# by `npm run build`, the service started with npm start's Node flags, /readyz and discovery answered).
# test/architecture/container-recipe.test.ts checks that this file keeps to those steps.
#
#   docker build -t ketamine-cds-hooks .
#   docker run -p 8080:8080 -p 9464:9464 \
#     -e CDS_CLIENTS=/config/cds-clients.json -v /path/to/config:/config:ro \
#     -e DATABASE_URL=postgres://... -e PATIENT_KEY_SECRET=... -e PUBLIC_BASE_URL=https://cds.example.org \
#     ketamine-cds-hooks
#
# HOST is 0.0.0.0 in the image, so the service starts only with trusted clients (CDS_CLIENTS): open mode is
# refused on a non-loopback address. Every setting: docs/configuration.md.

# ---- build: the production install, then the bundle ----------------------------------------------------
FROM node:20-bookworm-slim AS build
WORKDIR /app
# better-sqlite3 is native: npm fetches a prebuilt binary, or compiles it with these when none fits.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
COPY . .
# dist/main.js (esbuild bundle of server/main.ts) and dist/validators/ (prebuilt JSON Schema validators).
RUN npm run build

# ---- run: no compilers, not root -------------------------------------------------------------------------
FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8080 \
    METRICS_PORT=9464 \
    SHUTDOWN_DRAIN_MS=5000 \
    DATA_DIR=/var/lib/ketamine-cds
WORKDIR /app
# The project as built (the bundle reads rules/, store/migrations/, schemas and console files next to it),
# owned by root and read-only to the service's user.
COPY --from=build /app /app
RUN mkdir -p /var/lib/ketamine-cds && chown node:node /var/lib/ketamine-cds
USER node
EXPOSE 8080 9464
VOLUME ["/var/lib/ketamine-cds"]
# Ready = the store answers and rule sets are loaded; 503 while draining after SIGTERM.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/readyz',{signal:AbortSignal.timeout(2500)}).then(r=>process.exit(r.status===200?0:1),()=>process.exit(1))"]
# SIGTERM drains (SHUTDOWN_DRAIN_MS), then finishes the calls in flight and closes the store; give it
# SHUTDOWN_DRAIN_MS + 10 s before a kill (docker stop -t 15; Kubernetes terminationGracePeriodSeconds).
STOPSIGNAL SIGTERM
# npm start's Node flags (package.json "start"), without its build step: the image is read-only to `node`.
CMD ["node", "--max-semi-space-size=4", "--heap-growing-percent=100", "dist/main.js"]
