# The API and the worker share one image; docker-compose.yml picks the command.
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
COPY config ./config
COPY api ./api
COPY activities ./activities
COPY workflows ./workflows
COPY worker ./worker
COPY telephony ./telephony
COPY domain ./domain
COPY storage ./storage
COPY scripts ./scripts
USER node
CMD ["node", "--import", "tsx", "api/server.ts"]
