-- Down Migration
-- The update trigger as before; down/transfers.sql puts back transfers() as it was (its rows
-- written after the accounts were locked, already decided).
CREATE OR REPLACE TRIGGER transactions_rollup_update
  AFTER UPDATE ON pgbank.transactions
  FOR EACH ROW WHEN (OLD.status IN ('success', 'held') OR NEW.status IN ('success', 'held'))
  EXECUTE FUNCTION pgbank_private.apply_changed_transaction();
