// transfers() moves a whole call's balances set-wise. The SQL is in 0022_set_wise_moves/: up.sql;
// down.sql, then down/*.sql, transfers() as it was before (docs/migrations.md).
import { sqlFilesMigration } from '../src/sql-migration.ts';

export const { up, down } = sqlFilesMigration(import.meta.url);
