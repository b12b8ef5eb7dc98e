// Account status (issue 16): open, frozen, closed. The SQL is in
// 0021_account_status/: up.sql; down.sql, then down/*.sql, the functions as they were
// before (docs/migrations.md).
import { sqlFilesMigration } from '../src/sql-migration.ts';

export const { up, down } = sqlFilesMigration(import.meta.url);
