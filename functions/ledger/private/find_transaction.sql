-- A ledger row by its id alone (NULL when none): the reversals table first, then the days newest first, in growing windows.
CREATE OR REPLACE FUNCTION pgbank_private.find_transaction(transaction_id bigint)
RETURNS pgbank.transactions
LANGUAGE plpgsql
STABLE
SET search_path = pgbank, pg_temp
-- Each window's bounds are constants in a custom plan, which opens only that window's partitions
-- (a generic plan would lock all ~1,450); in each, the BRIN on id skips the pages it cannot be on.
SET plan_cache_mode = force_custom_plan
SET enable_seqscan = off
AS $$
DECLARE
  found_row transactions;
  known     reversals;
  hi        timestamptz := 'infinity'::timestamptz;
  lo        timestamptz;
  span      interval := interval '2 days';
BEGIN
  -- A transaction reversed before is where its reversals row says.
  SELECT * INTO known FROM reversals r WHERE r.transaction_id = find_transaction.transaction_id;
  IF FOUND THEN
    SELECT * INTO found_row FROM transactions t
     WHERE t.sender = known.sender AND t.ts = known.ts AND t.id = find_transaction.transaction_id;
    RETURN found_row;
  END IF;
  -- The primary key leads with the sender; nothing indexes id but the BRIN. Most reversals are of
  -- recent rows: look at the last days first (and the premade future ones), then 4x further back
  -- each time, then everything older at once.
  lo := date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' - span;
  LOOP
    SELECT * INTO found_row FROM transactions t WHERE t.id = find_transaction.transaction_id AND t.ts >= lo AND t.ts < hi;
    EXIT WHEN FOUND OR lo = '-infinity'::timestamptz;
    hi := lo;
    span := span * 4;
    lo := CASE WHEN span > interval '400 days' THEN '-infinity'::timestamptz ELSE hi - span END;
  END LOOP;
  RETURN found_row;
END
$$;
COMMENT ON FUNCTION pgbank_private.find_transaction(bigint) IS
  'Helper: the pgbank.transactions row with this id (NULL if none), searched newest days first';
