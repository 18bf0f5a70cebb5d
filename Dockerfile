# keyhunt serve: polls CloudTrail and brings short-lived access keys to Slack and Teams.
# Build:  docker build -t keyhunt .
# Run:    docker run --env-file keyhunt.env -v keyhunt-data:/data -p 3000:3000 keyhunt

# Build stage: all dependencies, then compile src/ to dist/.
FROM node:22-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npx tsc -p tsconfig.build.json

# Runtime stage: production dependencies and the compiled code only.
FROM node:22-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force
# dist/cli.js reads ../package.json for --version, and `keyhunt scan` reads ../samples by default.
COPY --from=build /app/dist ./dist
COPY samples ./samples

# The store (and its lock file) lives on a volume so that findings and the poll cursor survive restarts.
RUN mkdir -p /data && chown node:node /data
ENV KEYHUNT_DB_PATH=/data/keyhunt.json \
    PORT=3000
VOLUME ["/data"]

USER node
EXPOSE 3000
# node:22-slim has no curl, so the check uses Node's fetch.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# keyhunt serve stops scheduling, closes the store and exits on SIGTERM, within 10 seconds.
STOPSIGNAL SIGTERM
CMD ["node", "dist/cli.js", "serve"]
