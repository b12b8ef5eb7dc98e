-- Down Migration
-- The triggers' WHEN read the column: the triggers go first, then down/*.sql puts the insert
-- trigger back as it was, with apply_new_transaction(), transfer() and transfers(). The rows they
-- wrote keep their balances.
DROP TRIGGER transactions_apply_insert ON pgbank.transactions;
DROP TRIGGER IF EXISTS transactions_forget_writer_moved ON pgbank.transactions;
DROP FUNCTION IF EXISTS pgbank_private.forget_writer_moved();
ALTER TABLE pgbank.transactions DROP COLUMN writer_moved;
COMMENT ON TABLE pgbank_private.set_wise_moves IS
  'Transactions inserting ledger rows whose balances their writer moves set-wise (transfers()); the row trigger stays out';
