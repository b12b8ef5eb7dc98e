// The history helpers' parameters take the names the rest of the code uses. The SQL is in
// 0020_history_helper_names/: up.sql; down.sql, then down/*.sql, the two helpers as they were
// (docs/migrations.md).
import { sqlFilesMigration } from '../src/sql-migration.ts';

export const { up, down } = sqlFilesMigration(import.meta.url);
