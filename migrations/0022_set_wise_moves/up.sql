-- transfers() moves the balances of a whole call set-wise (one UPDATE of its accounts) instead of
-- two UPDATEs per item in the row trigger: while it inserts its rows, a row of this table marks its
-- transaction, and the trigger's WHEN lets them pass (pgbank_private.applied_set_wise, in
-- functions/ledger/private/). UNLOGGED: a mark lives inside one transaction, nothing to recover.

-- Up Migration
CREATE UNLOGGED TABLE pgbank_private.set_wise_moves (
  xact xid8 PRIMARY KEY
);
COMMENT ON TABLE pgbank_private.set_wise_moves IS
  'Transactions inserting ledger rows whose balances their writer moves set-wise (transfers()); the row trigger stays out';
CREATE OR REPLACE FUNCTION pgbank_private.applied_set_wise()
RETURNS boolean
LANGUAGE sql
VOLATILE
AS $$ SELECT EXISTS (SELECT FROM pgbank_private.set_wise_moves m WHERE m.xact = pg_current_xact_id()) $$;
CREATE OR REPLACE TRIGGER transactions_apply_insert
  BEFORE INSERT ON pgbank.transactions
  FOR EACH ROW WHEN (NEW.status = 'init' OR NEW.status IN ('success', 'held') AND NOT pgbank_private.applied_set_wise())
  EXECUTE FUNCTION pgbank_private.apply_new_transaction();
