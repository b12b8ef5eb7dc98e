// transfers() writes its items' ledger rows before it locks their accounts and sets the few that
// fail to 'failed': the update trigger heeds the set-wise mark. The SQL is in
// 0026_failed_set_wise_rows/: up.sql; down.sql, then down/*.sql, transfers() as it was before (docs/migrations.md).
import { sqlFilesMigration } from '../src/sql-migration.ts';

export const { up, down } = sqlFilesMigration(import.meta.url);
