// The transfer path in one statement per account (issue 13). The SQL is in
// 0016_narrow_request_records/: up.sql; down.sql, then down/*.sql, the functions as they were
// before (docs/migrations.md).
import { sqlFilesMigration } from '../src/sql-migration.ts';

export const { up, down } = sqlFilesMigration(import.meta.url);
