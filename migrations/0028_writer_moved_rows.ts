// transfer() moves the two accounts itself (issue 13): its lock and two-row UPDATE left the insert
// trigger, which cost every call the trigger's invocation (~7% of the call). Its ledger row is
// written already decided and says so in a new column, writer_moved, which the trigger's WHEN
// reads to stay out: a value only the row's writer chooses (pgbank_app writes no row directly).
// transfers() marks its rows the same way instead of asking set_wise_moves for each row.
// The SQL is in 0028_writer_moved_rows/: up.sql; down.sql, then down/*.sql, the trigger,
// transfer() and transfers() as they were before (docs/migrations.md).
import { sqlFilesMigration } from '../src/sql-migration.ts';

export const { up, down } = sqlFilesMigration(import.meta.url);
