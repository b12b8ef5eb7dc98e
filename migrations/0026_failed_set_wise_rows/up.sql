-- Up Migration
-- A row transfers() wrote as 'success' and sets to 'failed' moved nothing (its balances move
-- set-wise, after): the update trigger stays out while pgbank_private.set_wise_moves marks the
-- transaction. The trigger is the functions step's (functions/ledger/private/apply_changed_transaction.sql,
-- whose function is made there, after the migrations); this migration is here for its Down,
-- which puts back the trigger and transfers() of before.
SELECT 1;
