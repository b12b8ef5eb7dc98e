-- Whether this transaction's new ledger rows have their balances moved set-wise by their writer (transfers()).
CREATE OR REPLACE FUNCTION pgbank_private.applied_set_wise()
RETURNS boolean
LANGUAGE sql
VOLATILE
AS $$ SELECT EXISTS (SELECT FROM pgbank_private.set_wise_moves m WHERE m.xact = pg_current_xact_id()) $$;
COMMENT ON FUNCTION pgbank_private.applied_set_wise() IS
  'Helper: true while a writer that moves balances set-wise (transfers()) inserts its ledger rows; the row trigger then stays out';
