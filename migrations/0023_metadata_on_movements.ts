// Metadata on transfers, top-ups and holds. The SQL is in 0023_metadata_on_movements/: up.sql;
// down.sql, then down/*.sql, the functions as they were before (docs/migrations.md).
import { sqlFilesMigration } from '../src/sql-migration.ts';

export const { up, down } = sqlFilesMigration(import.meta.url);
