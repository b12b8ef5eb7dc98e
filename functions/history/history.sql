-- An account's movements newest first, filtered, a page at a time by keyset cursor, with the balance after each effective one.
CREATE OR REPLACE FUNCTION pgbank.history(
  account   uuid,
  from_ts   timestamptz DEFAULT NULL,   -- window [from_ts, to_ts); NULL: unbounded
  to_ts     timestamptz DEFAULT NULL,
  direction text        DEFAULT NULL,   -- 'sent', 'received', NULL: both
  status    text        DEFAULT NULL,   -- one status, NULL: all
  metadata  jsonb       DEFAULT NULL,   -- rows whose metadata contains it (@>)
  after     text        DEFAULT NULL,   -- the cursor of the last row of the previous page
  page_size int         DEFAULT 50)     -- 1 to 1,000
RETURNS SETOF pgbank.history_entry
LANGUAGE plpgsql
STABLE
SECURITY DEFINER
SET search_path = pgbank, pg_temp
-- Days not yet copied (today, and yesterday until copy-closed-days runs) are read from their day
-- partitions, each ~40 µs to plan and ~30 µs to read; older days from pgbank.history_copy
-- (history_from_copy). Partition pruning already keeps the days read; constraint exclusion would
-- also test every partition's CHECK against the query (a third of the planning) and never exclude one.
SET constraint_exclusion = off
AS $$
DECLARE
  c_ts      timestamptz;  -- the cursor's position: rows strictly before (ts, id)
  c_id      bigint;
  created   date;
  row_day   date;
  moves     bigint;       -- the account's version: one per effective movement (and hold change)
  floor_day date;         -- no row of the account is older (see below)
  first_month date;       -- its first month with an effective movement
  today     date := (now() AT TIME ZONE 'UTC')::date;
  upper     timestamptz;
  hi_day    date;         -- the chunk read: days [lo_day, hi_day), UTC
  lo_day    date;
  stop_day  date;
  top_day   date;         -- hi_day of the page's first chunk
  copied    date;         -- the days before it are read from pgbank.history_copy
  part_stop date;         -- the oldest day read from the partitions
  days      int;
  remaining int := page_size;
  got       int;
  statuses  CONSTANT text[] := ARRAY['init', 'success', 'failed', 'held', 'voided', 'expired', 'reversed'];
BEGIN
  IF account IS NULL OR page_size IS NULL THEN
    RAISE EXCEPTION USING ERRCODE = '22004', MESSAGE = format('history: %s must not be NULL',
      concat_ws(', ', CASE WHEN account IS NULL THEN 'account' END, CASE WHEN page_size IS NULL THEN 'page_size' END));
  ELSIF page_size < 1 OR page_size > 1000 THEN
    RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = format('history: page_size %s is not from 1 to 1,000', page_size);
  ELSIF direction NOT IN ('sent', 'received') THEN
    RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = format('history: unknown direction %s', pgbank_private.shown(direction)),
      HINT = 'direction is ''sent'', ''received'' or NULL for both';
  ELSIF status <> ALL (statuses) THEN
    RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = format('history: unknown status %s', pgbank_private.shown(status)),
      HINT = 'a status is one of ' || array_to_string(statuses, ', ');
  ELSIF from_ts > to_ts THEN
    RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = format('history: from_ts %L is after to_ts %L', from_ts, to_ts),
      HINT = 'the window is [from_ts, to_ts), so from_ts <= to_ts';
  END IF;
  PERFORM pgbank_private.check_metadata('history', metadata, 'metadata filter');
  IF after IS NOT NULL THEN
    SELECT p.ts, p.id INTO c_ts, c_id FROM pgbank_private.history_position(after) p;
  END IF;
  SELECT (u.created_at AT TIME ZONE 'UTC')::date, u.totals_day, u.version INTO created, row_day, moves FROM users u WHERE u.id = account;
  IF NOT FOUND THEN
    RAISE EXCEPTION USING ERRCODE = 'P0002', MESSAGE = format('history: unknown account %L', account);
  ELSIF account = pgbank_private.world() THEN
    RAISE EXCEPTION USING ERRCODE = 'P0002', MESSAGE = format('history: %L is the world account, which keeps no balance', account),
      HINT = 'the world is the other side of top-ups and withdrawals; read the accounts'' histories';
  END IF;

  -- The newest day to read: the one holding the cursor or to_ts, else tomorrow (UTC; a row dated
  -- later can only have been written directly, and shows when to_ts names its day).
  upper := least(coalesce(to_ts, 'infinity'), c_ts + interval '1 microsecond');
  hi_day := CASE WHEN upper IS NULL OR upper = 'infinity' THEN today + 1
                 ELSE ((upper - interval '1 microsecond') AT TIME ZONE 'UTC')::date + 1 END;
  -- The oldest: an account's rows come with or after its creation (the API stamps now()), save
  -- effective ones written before (the seeds' history), which its totals know of.
  SELECT least(created, row_day, min(t.month)), min(t.month) INTO floor_day, first_month FROM user_monthly_totals t WHERE t.user_id = account;
  stop_day := greatest(floor_day, (from_ts AT TIME ZONE 'UTC')::date);
  IF hi_day <= stop_day THEN
    RETURN;
  END IF;
  -- Days over and copied are read from the copy (below); the others from their partitions.
  SELECT s.copied_until INTO copied FROM history_copy_state s;
  top_day := hi_day;
  part_stop := greatest(stop_day, copied);

  -- How far back the page reaches: the account's version counts its effective movements, so
  -- version / days since the first one is its rate of rows a day; the first chunk holds
  -- page_size (+2) rows at that rate, with a margin, back from the page's first moment (now, the
  -- cursor or to_ts: today's partition is only partly filled). Each day is a partition to plan
  -- and read, so a chunk too long costs more than the second, short one a chunk too short needs.
  lo_day := (least(now(), upper) AT TIME ZONE 'UTC'
             - least(hi_day - stop_day, (remaining + 2) * 1.15 * greatest(1, today + 1 - coalesce(first_month, floor_day))
                                        / greatest(1, moves) * CASE WHEN direction IS NULL THEN 1 ELSE 2 END) * interval '1 day')::date;
  lo_day := greatest(part_stop, least(lo_day, hi_day - 1));

  WHILE hi_day > part_stop LOOP
    -- The balance before hi_day comes from the totals; walking the chunk back from it, the
    -- balance after a row is that minus the net of the effective rows newer than it (the rows
    -- before the cursor and outside the filters included). EXECUTE plans it for these values
    -- ($2, $3 constants: only the days read are planned, opened and locked; a cached generic
    -- plan would lock all ~1,460 partitions) while the function's other statements keep their
    -- cached plans.
    RETURN QUERY EXECUTE $q$
    WITH chunk AS (  -- one scan per day partition: a BitmapOr of the sender and receiver indexes
      SELECT t.id, t.ts, CASE WHEN t.sender = $1 THEN 'sent' ELSE 'received' END AS dir,
             CASE WHEN t.sender = $1 THEN t.receiver ELSE t.sender END AS counterparty,
             t.amount, t.status, t.reason, t.metadata, t.reverses,
             CASE WHEN t.status <> 'success' OR t.sender = t.receiver THEN 0 WHEN t.sender = $1 THEN -t.amount ELSE t.amount END AS net
        FROM pgbank.transactions t
       WHERE (t.sender = $1 OR t.receiver = $1)
         AND t.ts >= $2 AND t.ts < $3
    ), walked AS (
      SELECT c.*, $4 - coalesce(sum(c.net) OVER (ORDER BY c.ts DESC, c.id DESC ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS bal
        FROM chunk c
    )
    SELECT w.id, w.ts, w.dir, w.counterparty, w.amount::numeric, w.status, w.reason,
           CASE WHEN w.status = 'success' THEN w.bal END, w.metadata, w.reverses,
           (SELECT r.reversal_ids FROM pgbank.reversals r WHERE r.transaction_id = w.id AND r.reversal_ids <> '{}'),
           pgbank_private.history_cursor(w.ts, w.id)
      FROM walked w
     WHERE ($5::timestamptz IS NULL OR (w.ts, w.id) < ($5, $6))
       AND ($7::timestamptz IS NULL OR w.ts >= $7) AND ($8::timestamptz IS NULL OR w.ts < $8)
       AND ($9::text IS NULL OR w.dir = $9) AND ($10::text IS NULL OR w.status = $10)
       AND ($11::jsonb IS NULL OR w.metadata @> $11)
     ORDER BY w.ts DESC, w.id DESC
     LIMIT $12
    $q$ USING account, lo_day::timestamp AT TIME ZONE 'UTC', hi_day::timestamp AT TIME ZONE 'UTC',
              pgbank_private.balance_before_day(account, hi_day), c_ts, c_id, from_ts, to_ts, direction, status, metadata, remaining;
    GET DIAGNOSTICS got = ROW_COUNT;
    remaining := remaining - got;
    EXIT WHEN remaining <= 0 OR lo_day <= part_stop;
    -- Short: the next chunk back, long enough for the rows still missing at the rate just seen,
    -- at most twice the one read (filters that match rarely: a few chunks, doubling).
    days := hi_day - lo_day;
    days := CASE WHEN got = 0 THEN 2 * days ELSE least(2 * days, ceil((remaining + 1) * 1.5 * days / got)) END;
    hi_day := lo_day;
    lo_day := greatest(part_stop, hi_day - days);
  END LOOP;

  -- The copied days: from the copy, walked back from the balance before the first day not read.
  IF remaining > 0 AND copied > stop_day THEN
    hi_day := least(top_day, copied);
    RETURN QUERY SELECT * FROM pgbank_private.history_from_copy(account, stop_day, hi_day, pgbank_private.balance_before_day(account, hi_day),
                                                                c_ts, c_id, from_ts, to_ts, direction, status, metadata, remaining);
  END IF;
END
$$;
COMMENT ON FUNCTION pgbank.history(uuid, timestamptz, timestamptz, text, text, jsonb, text, int) IS
  'An account''s movements newest first (filters: window, direction, status, metadata @>), page_size at a time after a cursor, with the balance after each effective one and reversal links';
REVOKE ALL ON FUNCTION pgbank.history(uuid, timestamptz, timestamptz, text, text, jsonb, text, int) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pgbank.history(uuid, timestamptz, timestamptz, text, text, jsonb, text, int) TO pgbank_app;
