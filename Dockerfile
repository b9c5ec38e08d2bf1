# datastream worker and server image: Node 24 runs the TypeScript sources directly.
FROM node:24-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json .npmrc ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY cli ./cli
COPY common ./common
COPY db ./db
COPY datasets ./datasets
COPY worker ./worker
COPY sources ./sources
COPY server ./server
COPY web ./web
COPY sql ./sql
COPY migrations ./migrations
COPY calendars ./calendars
COPY builders ./builders
COPY toolchain ./toolchain
USER node
EXPOSE 4000
# `ds serve` by default; the compose file runs `worker` and `sync` from the same image
ENTRYPOINT ["node", "cli/main.ts"]
CMD ["serve", "--host", "0.0.0.0", "--port", "4000"]
