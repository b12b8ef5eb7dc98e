-- The first outcome of a repeated transfer, top-up or hold; 'PB001' when the repeat's parameters differ.
CREATE OR REPLACE FUNCTION pgbank_private.replay_one(
  kind text, account uuid, request_id text, to_account uuid, amount numeric, expires_in interval)
RETURNS pgbank.hold_result
LANGUAGE plpgsql
STABLE
AS $$  -- names are schema-qualified: no SET search_path, which costs every call
DECLARE
  req pgbank.requests := pgbank_private.stored_request(account, request_id);
BEGIN
  PERFORM pgbank_private.replay_request(req, kind, ARRAY[to_account], ARRAY[amount], expires_in);
  RETURN pgbank_private.request_outcome(req);
END
$$;
COMMENT ON FUNCTION pgbank_private.replay_one(text, uuid, text, uuid, numeric, interval) IS
  'Helper: a repeated single request''s first outcome (PB001 when its parameters differ)';
