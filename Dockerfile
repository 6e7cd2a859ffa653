# The edge and its CLI on Node 24, an LTS maintained until April 2028 that PostGraphile 5 supports
# (its engines: Node 22 or later). PostgreSQL is not in the image: DATABASE_URL names it (see
# docker-compose.yml); the embedded PostgreSQL of `npm start` is for machines without one.

FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# Install scripts are skipped: `prepare` builds from sources not copied yet, and the embedded
# PostgreSQL binaries they would set up are not used in a container.
RUN npm ci --ignore-scripts
COPY . .
RUN npm run build && npm run build:admin --if-present

FROM node:24-bookworm-slim
ENV NODE_ENV=production PORT=3000 HOST=0.0.0.0
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force
COPY bin ./bin
COPY db ./db
COPY --from=build /app/edge/dist ./edge/dist
# admin/ with admin/dist when the console was built.
COPY --from=build /app/admin ./admin
USER node
EXPOSE 3000
# curl is not in the slim image; Node's fetch is.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/v1/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "bin/ledger-safe.js", "start"]
