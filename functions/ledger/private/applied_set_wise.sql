-- Whether this transaction's ledger rows are being changed by a writer that keeps their balances set-wise (transfers() setting its failed items' rows to 'failed').
CREATE OR REPLACE FUNCTION pgbank_private.applied_set_wise()
RETURNS boolean
LANGUAGE sql
VOLATILE
AS $$ SELECT EXISTS (SELECT FROM pgbank_private.set_wise_moves m WHERE m.xact = pg_current_xact_id()) $$;
COMMENT ON FUNCTION pgbank_private.applied_set_wise() IS
  'Helper: true while transfers() sets the rows of its failed items, written success and never applied, to failed; the update trigger then stays out';
