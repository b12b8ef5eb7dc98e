-- Reserves funds for a later transfer (two-phase): available balance drops now; post_hold or void_hold finishes it, or it expires.
CREATE OR REPLACE FUNCTION pgbank.hold(request_id text, from_account uuid, to_account uuid, amount numeric, expires_in interval)
RETURNS pgbank.hold_result
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pgbank, pg_temp
AS $$
BEGIN
  PERFORM pgbank_private.check_request_id('hold', request_id);
  IF from_account IS NULL OR to_account IS NULL OR expires_in IS NULL THEN
    RAISE EXCEPTION USING ERRCODE = '22004', MESSAGE = format('hold: %s must not be NULL',
      concat_ws(', ', CASE WHEN from_account IS NULL THEN 'from_account' END, CASE WHEN to_account IS NULL THEN 'to_account' END,
                      CASE WHEN expires_in IS NULL THEN 'expires_in' END));
  END IF;
  PERFORM pgbank_private.check_amount('hold', amount);
  IF expires_in <= interval '0' OR expires_in > interval '366 days' THEN
    RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = format('hold: expires_in %L must be between 0 and 366 days', expires_in);
  END IF;
  RETURN pgbank_private.transfer_one('hold', request_id, from_account, to_account, amount, expires_in);
END
$$;
COMMENT ON FUNCTION pgbank.hold(text, uuid, uuid, numeric, interval) IS
  'Reserve amount from one account for another until expires_in passes, idempotent per (from_account, request_id); status held or failed';
REVOKE ALL ON FUNCTION pgbank.hold(text, uuid, uuid, numeric, interval) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pgbank.hold(text, uuid, uuid, numeric, interval) TO pgbank_app;
