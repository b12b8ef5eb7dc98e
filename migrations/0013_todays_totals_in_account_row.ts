// An account's totals for the UTC day of its latest movement live in its own row. The SQL is in
// 0013_todays_totals_in_account_row/: up.sql; down.sql, then down/*.sql, the function bodies and
// triggers this migration replaced, as they were (docs/migrations.md).
import { sqlFilesMigration } from '../src/sql-migration.ts';

export const { up, down } = sqlFilesMigration(import.meta.url);
