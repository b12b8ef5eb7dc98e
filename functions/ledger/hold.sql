-- Reserves funds for a later transfer (two-phase): available balance drops now; post_hold or void_hold finishes it, or it expires.
CREATE OR REPLACE FUNCTION pgbank.hold(request_id text, from_account uuid, to_account uuid, amount numeric, expires_in interval, metadata jsonb DEFAULT NULL)
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
  PERFORM pgbank_private.check_money('hold', amount);
  PERFORM pgbank_private.check_metadata('hold', metadata);
  IF scale(amount) > 4 THEN  -- '1.0000000000': the same amount; place_hold stores it with its currency's decimals
    amount := round(amount, 4);
  END IF;
  -- The deadline decides, not the interval's parts: '1000000 months -29999990 days' compares as 10
  -- days but ends in the year 3223. Parts too large to add to now() are refused first.
  IF abs(extract(year FROM expires_in)) > 1 OR abs(extract(day FROM expires_in)) > 400
     OR abs(extract(epoch FROM expires_in - date_trunc('day', expires_in))) > 400 * 86400
     OR now() + expires_in <= now() OR now() + expires_in > now() + interval '366 days' THEN
    RAISE EXCEPTION USING ERRCODE = '22023',
      MESSAGE = format('hold: expires_in %s must end after now and at most 366 days from now', pgbank_private.shown(expires_in::text));
  END IF;
  RETURN pgbank_private.place_hold(request_id, from_account, to_account, amount, expires_in, metadata);
END
$$;
COMMENT ON FUNCTION pgbank.hold(text, uuid, uuid, numeric, interval, jsonb) IS
  'Reserve amount from one account for another until expires_in passes, idempotent per (from_account, request_id); status held or failed; metadata (a JSON object) is kept with the ledger row';
REVOKE ALL ON FUNCTION pgbank.hold(text, uuid, uuid, numeric, interval, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pgbank.hold(text, uuid, uuid, numeric, interval, jsonb) TO pgbank_app;
