-- Moves money between two accounts, exactly once per (paying account, request_id); a business failure is a 'failed' result, recorded.
CREATE OR REPLACE FUNCTION pgbank.transfer(request_id text, from_account uuid, to_account uuid, amount numeric)
RETURNS pgbank.transfer_result
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pgbank, pg_temp
AS $$
DECLARE
  r pgbank.hold_result;
BEGIN
  PERFORM pgbank_private.check_request_id('transfer', request_id);
  IF from_account IS NULL OR to_account IS NULL THEN
    RAISE EXCEPTION USING ERRCODE = '22004', MESSAGE = format('transfer: %s must not be NULL',
      concat_ws(', ', CASE WHEN from_account IS NULL THEN 'from_account' END, CASE WHEN to_account IS NULL THEN 'to_account' END));
  END IF;
  PERFORM pgbank_private.check_amount('transfer', amount);
  amount := round(amount, 2);  -- stored and returned with exactly 2 decimals, whatever scale was sent
  r := pgbank_private.transfer_one('transfer', request_id, from_account, to_account, amount);
  RETURN (r.request_id, r.status, r.reason, r.transaction_id, r.ts, r.from_account, r.to_account, r.amount, r.replayed);
END
$$;
COMMENT ON FUNCTION pgbank.transfer(text, uuid, uuid, numeric) IS
  'Transfer amount from one account to another, idempotent per (from_account, request_id); status success or failed with a reason';
REVOKE ALL ON FUNCTION pgbank.transfer(text, uuid, uuid, numeric) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pgbank.transfer(text, uuid, uuid, numeric) TO pgbank_app;
