# The pgbank TypeScript harness: migrations, seeding, and (with another command) the bridge.
FROM node:20-bookworm-slim

WORKDIR /app
# Dependencies first, so the layer is reused until package-lock.json changes. Dev dependencies
# are needed: tsx runs the TypeScript directly.
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error
COPY . .

USER node
# docker-compose.yml starts this only once PostgreSQL is healthy; both steps are idempotent.
CMD ["sh", "-c", "npx tsx scripts/migrate.ts && npx tsx scripts/seed.ts"]
