# The lakehouse program in a container: one image for every part (docker-compose.yml runs it as
# cdc, bronze, silver, gold, notify, the monitor and the generator). TypeScript runs through tsx,
# as on a developer's machine, so there is no build step.
FROM node:20-bookworm-slim

WORKDIR /app
# A heap limit makes V8 collect before it grows: without one, a part catching up on a backlog
# holds garbage up to about 900 MB (docs/pipeline.md, Benchmark); with it each stays under 500 MB.
ENV NODE_ENV=production \
    NODE_OPTIONS=--max-old-space-size=400 \
    LAKE_ROOT=/data/lake \
    METRICS_HOST=0.0.0.0 \
    METRICS_PORT=9464

# Dependencies first: this layer is rebuilt only when the lock file changes.
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

COPY . .
RUN mkdir -p /data/lake && chown -R node:node /data
USER node
VOLUME ["/data/lake"]
EXPOSE 9464

ENTRYPOINT ["node", "bin/lakehouse.js"]
CMD ["--help"]
