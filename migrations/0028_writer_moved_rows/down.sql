-- Down Migration
-- The trigger's WHEN reads the column: the trigger goes first, then down/*.sql puts it back as it
-- was, with apply_new_transaction() and transfer(). Rows transfer() wrote keep their balances.
DROP TRIGGER transactions_apply_insert ON pgbank.transactions;
ALTER TABLE pgbank.transactions DROP COLUMN writer_moved;
