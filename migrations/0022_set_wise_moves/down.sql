-- Down Migration
-- The trigger as 0016 made it; down/transfers.sql puts back transfers() as it was before (its rows
-- moved by the trigger).
CREATE OR REPLACE TRIGGER transactions_apply_insert
  BEFORE INSERT ON pgbank.transactions
  FOR EACH ROW WHEN (NEW.status IN ('init', 'success', 'held')) EXECUTE FUNCTION pgbank_private.apply_new_transaction();
DROP FUNCTION pgbank_private.applied_set_wise();
DROP TABLE pgbank_private.set_wise_moves;
