-- Trigger: a ledger row moved to another time loses its writer_moved mark, so the insert trigger on its new day's partition moves the balances again.
CREATE OR REPLACE FUNCTION pgbank_private.forget_writer_moved()
RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
  NEW.writer_moved := NULL;
  RETURN NEW;
END
$$;
COMMENT ON FUNCTION pgbank_private.forget_writer_moved() IS
  'Trigger: clears writer_moved when a ledger row''s ts changes (a move to another day''s partition is a delete and an insert: the delete takes the movement out, the insert must put it back)';

-- BEFORE UPDATE row triggers run on the old partition before PostgreSQL routes the row to the new
-- one, where the row's BEFORE INSERT trigger (transactions_apply_insert) then sees no mark.
CREATE OR REPLACE TRIGGER transactions_forget_writer_moved
  BEFORE UPDATE ON pgbank.transactions
  FOR EACH ROW WHEN (OLD.writer_moved AND NEW.ts IS DISTINCT FROM OLD.ts)
  EXECUTE FUNCTION pgbank_private.forget_writer_moved();
