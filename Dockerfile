# licctl license server. Build: docker build -t licctl .
# Run:   docker run -d -p 8080:8080 -v licctl-data:/var/lib/licctl --stop-timeout 15 licctl
# (initialize once: docker run --rm -v licctl-data:/var/lib/licctl licctl server init)
# PostgreSQL: -e LICCTL_DB='postgres://…?schema=licctl' (no volume needed).

FROM node:24-bookworm-slim AS build
WORKDIR /app
# better-sqlite3 compiles when no prebuilt binary matches.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ \
    && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY bin ./bin
COPY src ./src
# The build bundles the command line (scripts/bundle.js) after tsc.
COPY scripts/bundle.js ./scripts/bundle.js
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

FROM node:24-bookworm-slim
ENV NODE_ENV=production \
    LICCTL_DB=/var/lib/licctl/licctl.sqlite
WORKDIR /app
COPY --from=build /app/package.json /app/oclif.manifest.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/bin ./bin
COPY --from=build /app/dist ./dist
RUN mkdir -p /var/lib/licctl && chown node:node /var/lib/licctl \
    && ln -s /app/bin/run.js /usr/local/bin/licctl
USER node
VOLUME ["/var/lib/licctl"]
EXPOSE 8080
# SIGTERM finishes the requests in flight and closes the database (at most 10 s).
STOPSIGNAL SIGTERM
# /v1/health answers 200 only after a query to the database (503 while it is unreachable).
HEALTHCHECK --interval=15s --timeout=5s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:8080/v1/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["licctl"]
CMD ["server", "start", "--host", "0.0.0.0", "--port", "8080", "--migrate"]
