// Metadata through the router (shard functions and outbox). The SQL is in 0025_metadata_across_shards/: up.sql;
// down.sql, then down/*.sql, the functions as they were before (docs/migrations.md).
import { sqlFilesMigration } from '../src/sql-migration.ts';

export const { up, down } = sqlFilesMigration(import.meta.url);
