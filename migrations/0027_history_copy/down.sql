-- Down Migration
-- The copied days' triggers, the copy, the functions that read and keep it; then down/*.sql puts
-- back history() and apply_changed_transaction() as they were (the partitions only).
DROP FUNCTION IF EXISTS pgbank_private.history_from_copy(uuid, date, date, numeric, timestamptz, bigint, timestamptz, timestamptz, text, text, jsonb, int);
DROP FUNCTION IF EXISTS pgbank_private.verify_history_copy();
DROP PROCEDURE IF EXISTS pgbank_private.copy_closed_days(int);
DO $$
DECLARE
  t record;
BEGIN
  FOR t IN SELECT g.tgrelid::regclass AS rel, g.tgname FROM pg_trigger g
            WHERE g.tgname IN ('transactions_keep_history_copy', 'transactions_truncate_history_copy') LOOP
    EXECUTE format('DROP TRIGGER %I ON %s', t.tgname, t.rel);
  END LOOP;
END
$$;
DROP TABLE pgbank.history_copy_state;
DROP TABLE pgbank.history_copy;
DROP FUNCTION IF EXISTS pgbank_private.keep_history_copy();
