-- A recorded transfer's outcome for a repeat, with a cross-shard one's state now: in_transit, success (credited) or returned.
CREATE OR REPLACE FUNCTION pgbank_private.shard_request_outcome(req pgbank.requests)
RETURNS pgbank.transfer_result
LANGUAGE plpgsql
STABLE
SET search_path = pgbank, pg_temp
AS $$
DECLARE
  r pgbank.hold_result := pgbank_private.request_outcome(req);
  o shard_outbox;
BEGIN
  SELECT * INTO o FROM shard_outbox x WHERE x.account = req.account AND x.request_id = req.request_id;
  IF FOUND THEN
    r.status := CASE o.status WHEN 'pending' THEN 'in_transit' WHEN 'delivered' THEN 'success' ELSE 'returned' END;
    r.reason := o.reason;
  END IF;
  RETURN (r.request_id, r.status, r.reason, r.transaction_id, r.ts, r.from_account, r.to_account, r.amount, r.replayed)::transfer_result;
END
$$;
COMMENT ON FUNCTION pgbank_private.shard_request_outcome(pgbank.requests) IS
  'Helper: a repeated request''s outcome; for a cross-shard transfer its state now (in_transit, success once credited, returned with the reason)';
