#!/usr/bin/env tsx
// The main job (after scripts/bootstrap.sh): create and migrate the database, register the
// pg_cron jobs, seed 2,000 users and 3,000,000 transactions, then show real sum_amount calls.
// Flags and env vars of scripts/seed.ts apply (--users, --transactions, SEED_*).
import { $ } from 'zx';
import { dbSettings } from '../src/config.ts';

$.verbose = true;
const s = dbSettings();
console.log(`pgbank: database ${s.database} on ${s.host}:${s.port} as ${s.user}`);
await $`tsx scripts/migrate.ts`;
await $`tsx scripts/seed.ts ${process.argv.slice(2)}`;
