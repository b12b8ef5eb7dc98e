-- A stored request's outcome for a repeat of it; 'PB001' when the repeat's parameters differ.
CREATE OR REPLACE FUNCTION pgbank_private.replay_request(
  req pgbank.requests, kind text, to_accounts uuid[], amounts numeric[], expires_in interval, from_accounts uuid[] DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql
STABLE
AS $$
BEGIN
  -- numeric[] equality compares values: 10.5 and 10.50 are the same amount.
  IF (req.kind, req.from_accounts, req.to_accounts, req.amounts, req.expires_in)
     IS DISTINCT FROM (kind, from_accounts, to_accounts, amounts, expires_in) THEN
    RAISE EXCEPTION USING ERRCODE = 'PB001',
      MESSAGE = format('request_id %s of account %L was already used with other parameters', pgbank_private.shown(req.request_id), req.account),
      DETAIL = left(format('first: %s %sto %s of %s%s; now: %s %sto %s of %s%s',
                      req.kind, coalesce('from ' || req.from_accounts::text || ' ', ''), req.to_accounts, req.amounts,
                      coalesce(' for ' || req.expires_in, ''),
                      kind, coalesce('from ' || from_accounts::text || ' ', ''), to_accounts, amounts, coalesce(' for ' || expires_in, '')), 500),
      HINT = 'use a new request_id for a new request';
  END IF;
END
$$;
COMMENT ON FUNCTION pgbank_private.replay_request(pgbank.requests, text, uuid[], numeric[], interval, uuid[]) IS
  'Helper: raises PB001 when a repeated request id comes with different parameters';
