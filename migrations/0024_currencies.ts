// Currencies (issue 16). The SQL is in 0024_currencies/: up.sql; down.sql, then down/*.sql, the
// functions as they were before (docs/migrations.md).
import { sqlFilesMigration } from '../src/sql-migration.ts';

export const { up, down } = sqlFilesMigration(import.meta.url);
