-- history()'s rows of copied days: an account's rows in [lo_day, hi_day) from pgbank.history_copy, newest first, filtered, with the balance after each effective one.
CREATE OR REPLACE FUNCTION pgbank_private.history_from_copy(
  account uuid, lo_day date, hi_day date,
  balance numeric,                        -- the account's balance before hi_day
  c_ts timestamptz, c_id bigint,          -- the cursor: rows strictly before (c_ts, c_id); NULL: none
  from_ts timestamptz, to_ts timestamptz, direction text, status text, metadata jsonb,
  n int)                                  -- at most n rows
RETURNS SETOF pgbank.history_entry
LANGUAGE plpgsql
STABLE
SET search_path = pgbank, pg_temp
-- The page is read from the newest row back and stops at its n-th, in index order. The planner
-- doesn't see the LIMIT through the running sum and would rather sort all of the account's rows
-- (~3,000 at the 3,000,000-row seed: ~8 ms): with no sort allowed, the index is its only plan;
-- and no JIT, which that plan's disabled-sort cost would otherwise call for.
SET enable_sort = off
SET jit = off
AS $$
BEGIN
  RETURN QUERY
  WITH walked AS (
    SELECT t.*, balance - coalesce(sum(CASE WHEN t.status <> 'success' OR t.counterparty = t.account THEN 0 WHEN t.sent THEN -t.amount ELSE t.amount END)
                                   OVER (ORDER BY t.ts DESC, t.id DESC ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS bal
      FROM history_copy t
     WHERE t.account = history_from_copy.account
       AND t.ts < hi_day::timestamp AT TIME ZONE 'UTC' AND t.ts >= lo_day::timestamp AT TIME ZONE 'UTC'
  )
  SELECT w.id, w.ts, CASE WHEN w.sent THEN 'sent' ELSE 'received' END, w.counterparty, w.amount, w.status, w.reason,
         CASE WHEN w.status = 'success' THEN w.bal END, w.metadata, w.reverses,
         (SELECT r.reversal_ids FROM reversals r WHERE r.transaction_id = w.id AND r.reversal_ids <> '{}'),
         pgbank_private.history_cursor(w.ts, w.id)
    FROM walked w
   WHERE (c_ts IS NULL OR (w.ts, w.id) < (c_ts, c_id))
     AND (history_from_copy.from_ts IS NULL OR w.ts >= history_from_copy.from_ts)
     AND (history_from_copy.to_ts IS NULL OR w.ts < history_from_copy.to_ts)
     AND (history_from_copy.direction IS NULL OR w.sent = (history_from_copy.direction = 'sent'))
     AND (history_from_copy.status IS NULL OR w.status = history_from_copy.status)
     AND (history_from_copy.metadata IS NULL OR w.metadata @> history_from_copy.metadata)
   ORDER BY w.ts DESC, w.id DESC
   LIMIT n;
END
$$;
COMMENT ON FUNCTION pgbank_private.history_from_copy(uuid, date, date, numeric, timestamptz, bigint, timestamptz, timestamptz, text, text, jsonb, int) IS
  'Helper: history()''s rows of copied days, from pgbank.history_copy';
