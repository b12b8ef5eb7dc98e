-- Adds money from outside (the world account) to an account, exactly once per (account, request_id).
CREATE OR REPLACE FUNCTION pgbank.top_up(request_id text, account uuid, amount numeric)
RETURNS pgbank.transfer_result
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pgbank, pg_temp
AS $$
DECLARE
  r pgbank.hold_result;
BEGIN
  PERFORM pgbank_private.check_request_id('top_up', request_id);
  IF account IS NULL THEN
    RAISE EXCEPTION USING ERRCODE = '22004', MESSAGE = 'top_up: account must not be NULL';
  END IF;
  PERFORM pgbank_private.check_amount('top_up', amount);
  amount := round(amount, 2);  -- stored and returned with exactly 2 decimals, whatever scale was sent
  r := pgbank_private.transfer_one('top_up', request_id, pgbank_private.world(), account, amount);
  RETURN (r.request_id, r.status, r.reason, r.transaction_id, r.ts, r.from_account, r.to_account, r.amount, r.replayed);
END
$$;
COMMENT ON FUNCTION pgbank.top_up(text, uuid, numeric) IS
  'Top up an account from outside (the world account), idempotent per (account, request_id)';
REVOKE ALL ON FUNCTION pgbank.top_up(text, uuid, numeric) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pgbank.top_up(text, uuid, numeric) TO pgbank_app;
