-- The outcome of a recorded request, as the API returns it (with its hold's state for a hold).
CREATE OR REPLACE FUNCTION pgbank_private.request_outcome(req pgbank.requests, replayed boolean DEFAULT true)
RETURNS pgbank.hold_result
LANGUAGE plpgsql
STABLE
SET search_path = pgbank, pg_temp
AS $$
DECLARE
  h holds;
BEGIN
  IF req.hold_id IS NOT NULL THEN
    SELECT * INTO h FROM holds x WHERE x.account = req.account AND x.id = req.hold_id;
  END IF;
  RETURN (req.hold_id,
          CASE WHEN req.status = 'failed' THEN 'failed' WHEN req.kind = 'hold' THEN 'held' ELSE 'success' END,
          req.reason, req.request_id::text, req.transaction_ids[1], req.ts,
          CASE WHEN req.kind = 'top_up' THEN pgbank_private.world() ELSE req.account END, req.to_accounts[1],
          req.amounts[1], h.posted_amount, h.expires_at, replayed);
END
$$;
COMMENT ON FUNCTION pgbank_private.request_outcome(pgbank.requests, boolean) IS
  'Helper: a recorded request''s outcome as pgbank.hold_result (a repeat returns it)';
