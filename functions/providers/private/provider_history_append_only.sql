-- Trigger: refuses UPDATE, DELETE and TRUNCATE of pgbank.historical_transactions (money history is append-only).
CREATE OR REPLACE FUNCTION pgbank_private.provider_history_append_only()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pgbank, pg_temp
AS $$
BEGIN
  -- Also what keeps provider_transaction_totals exact: it only ever needs to add.
  RAISE EXCEPTION USING ERRCODE = '0A000',
    MESSAGE = format('historical_transactions is append-only: %s is not allowed', TG_OP),
    HINT = 'record a correcting transaction with the opposite value instead';
END
$$;
COMMENT ON FUNCTION pgbank_private.provider_history_append_only() IS
  'Statement trigger on pgbank.historical_transactions: refuses UPDATE, DELETE and TRUNCATE';

CREATE OR REPLACE TRIGGER historical_transactions_append_only
  BEFORE UPDATE OR DELETE OR TRUNCATE ON pgbank.historical_transactions
  FOR EACH STATEMENT EXECUTE FUNCTION pgbank_private.provider_history_append_only();
