-- A recorded request, whole: a narrow record (since migration 0016) gets its parameters and outcome from its ledger row.
CREATE OR REPLACE FUNCTION pgbank_private.stored_request(account uuid, request_id text)
RETURNS pgbank.requests
LANGUAGE plpgsql
STABLE
AS $$  -- names are schema-qualified: no SET search_path, which costs every call
DECLARE
  req pgbank.requests;
  tx  pgbank.transactions;
BEGIN
  SELECT * INTO req FROM pgbank.requests r WHERE r.account = stored_request.account AND r.request_id = stored_request.request_id;
  IF FOUND AND req.status IS NULL THEN
    SELECT * INTO tx FROM pgbank.transactions t
     WHERE t.sender = CASE WHEN req.kind = 'top_up' THEN pgbank_private.world() ELSE req.account END
       AND t.ts = req.ts AND t.id = req.transaction_ids[1];
    req.to_accounts := ARRAY[tx.receiver];
    req.amounts := ARRAY[tx.amount::numeric];
    req.status := CASE WHEN tx.status = 'failed' THEN 'failed' ELSE 'success' END;
    req.reason := tx.reason;
    IF tx.status = 'failed' THEN
      req.hold_id := NULL;  -- a failed hold has none
    END IF;
  END IF;
  RETURN req;
END
$$;
COMMENT ON FUNCTION pgbank_private.stored_request(uuid, text) IS
  'Helper: a recorded request with its parameters and outcome (a narrow record reads them from its ledger row)';
