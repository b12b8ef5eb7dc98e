// A copy of the ledger's closed days ordered by account, for history() (issue 16): a page of an
// account's movements read from the daily partitions touches ~25–30 of them (each ~70 µs to plan
// and read), from the copy it is one index scan. The partitions stay the ledger; the copy is
// derived, like the totals: pgbank_private.copy_closed_days (pg_cron, hourly) copies each day
// once it is over, and from then on a trigger on that day's partition keeps the copy equal to it
// (late status changes of holds, direct writes). Today's partition carries no such trigger: the
// transfer path pays nothing. docs/ledger.md, "The copy of closed days".
// The SQL is in 0027_history_copy/: up.sql; down.sql, then down/*.sql, history() and
// apply_changed_transaction() as they were before (docs/migrations.md).
import { sqlFilesMigration } from '../src/sql-migration.ts';

export const { up, down } = sqlFilesMigration(import.meta.url);
