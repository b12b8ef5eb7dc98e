-- Down Migration
-- The copied days' triggers, the copy, the functions that read and keep it; then down/*.sql puts
-- back history() and apply_changed_transaction() as they were (the partitions only).
DROP FUNCTION IF EXISTS pgbank_private.history_from_copy(uuid, date, date, numeric, timestamptz, bigint, timestamptz, timestamptz, text, text, jsonb, int);
DROP FUNCTION IF EXISTS pgbank_private.verify_history_copy();
DROP PROCEDURE IF EXISTS pgbank_private.copy_closed_days(int);
DO $$
DECLARE
  part regclass;
BEGIN
  FOR part IN SELECT i.inhrelid::regclass FROM pg_inherits i WHERE i.inhparent = 'pgbank.transactions'::regclass LOOP
    EXECUTE format('DROP TRIGGER IF EXISTS transactions_keep_history_copy ON %s', part);
  END LOOP;
END
$$;
DROP TABLE pgbank.history_copy_state;
DROP TABLE pgbank.history_copy;
DROP FUNCTION IF EXISTS pgbank_private.keep_history_copy();
