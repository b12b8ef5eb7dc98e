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
-- The ledger query's bounds are constants in a custom plan, which opens only the partitions of
-- the days it reads (a generic plan would lock all ~1,450).
SET plan_cache_mode = force_custom_plan
AS $$
DECLARE
  acct      uuid := account;
  v_dir     text := direction;
  v_status  text := status;
  v_meta    jsonb := metadata;
  v_from    timestamptz := from_ts;
  v_to      timestamptz := to_ts;
  c_ts      timestamptz;  -- the cursor's position: rows strictly before (ts, id)
  c_id      bigint;
  created   date;
  row_day   date;
  floor_day date;         -- no row of the account is older (see below)
  upper     timestamptz;
  hi_day    date;         -- the chunk read: days [lo_day, hi_day), UTC
  lo_day    date;
  lo_ts     timestamptz;
  hi_ts     timestamptz;
  stop_day  date;
  remaining int := page_size;
  target    int;
  seen      int := 0;
  k         int;
  last_i    int;
  part      regclass;
  got       int;
  b_top     numeric;
  m         record;
  statuses  CONSTANT text[] := ARRAY['init', 'success', 'failed', 'held', 'voided', 'expired', 'reversed'];
BEGIN
  IF acct IS NULL OR page_size IS NULL THEN
    RAISE EXCEPTION USING ERRCODE = '22004', MESSAGE = format('history: %s must not be NULL',
      concat_ws(', ', CASE WHEN acct IS NULL THEN 'account' END, CASE WHEN page_size IS NULL THEN 'page_size' END));
  ELSIF page_size < 1 OR page_size > 1000 THEN
    RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = format('history: page_size %s is not from 1 to 1,000', page_size);
  ELSIF v_dir NOT IN ('sent', 'received') THEN
    RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = format('history: unknown direction %s', pgbank_private.shown(v_dir)),
      HINT = 'direction is ''sent'', ''received'' or NULL for both';
  ELSIF v_status <> ALL (statuses) THEN
    RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = format('history: unknown status %s', pgbank_private.shown(v_status)),
      HINT = 'a status is one of ' || array_to_string(statuses, ', ');
  ELSIF v_from > v_to THEN
    RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = format('history: from_ts %L is after to_ts %L', v_from, v_to),
      HINT = 'the window is [from_ts, to_ts), so from_ts <= to_ts';
  END IF;
  PERFORM pgbank_private.check_metadata('history', v_meta, 'metadata filter');
  IF after IS NOT NULL THEN
    SELECT p.ts, p.id INTO c_ts, c_id FROM pgbank_private.history_position(after) p;
  END IF;
  SELECT (u.created_at AT TIME ZONE 'UTC')::date, u.totals_day INTO created, row_day FROM users u WHERE u.id = acct;
  IF NOT FOUND THEN
    RAISE EXCEPTION USING ERRCODE = 'P0002', MESSAGE = format('history: unknown account %L', acct);
  ELSIF acct = pgbank_private.world() THEN
    RAISE EXCEPTION USING ERRCODE = 'P0002', MESSAGE = format('history: %L is the world account, which keeps no balance', acct),
      HINT = 'the world is the other side of top-ups and withdrawals; read the accounts'' histories';
  END IF;

  -- The newest day to read: the one holding the cursor or to_ts, else tomorrow (UTC; a row dated
  -- later can only have been written directly, and shows when to_ts names its day).
  upper := least(coalesce(v_to, 'infinity'), c_ts + interval '1 microsecond');
  hi_day := CASE WHEN upper IS NULL OR upper = 'infinity' THEN (now() AT TIME ZONE 'UTC')::date + 1
                 ELSE ((upper - interval '1 microsecond') AT TIME ZONE 'UTC')::date + 1 END;
  -- The oldest: an account's rows come with or after its creation (the API stamps now()), save
  -- effective ones written before (the seeds' history), which its totals know of.
  SELECT least(created, row_day, min(t.month)) INTO floor_day FROM user_monthly_totals t WHERE t.user_id = acct;
  stop_day := greatest(floor_day, (v_from AT TIME ZONE 'UTC')::date);
  IF hi_day <= stop_day THEN
    RETURN;
  END IF;

  -- How far back the page reaches: every day with effective rows has at least one per direction
  -- with a non-zero sum, and a busy account many: the newest day of the range, read from its
  -- partition, says how many rows such a (day, direction) holds (at least 1). Walking the totals
  -- back until they promise page_size (+2) rows finds a first chunk that almost always holds the
  -- page, a few days for a busy account, weeks for a quiet one. When filters leave it short, the
  -- next chunk is read.
  part := pgbank_private.partition_for_day(hi_day - 1);
  IF part IS NOT NULL THEN
    EXECUTE format('SELECT count(*) FILTER (WHERE $2 IS DISTINCT FROM ''received'' AND t.sender = $1)
                         + count(*) FILTER (WHERE $2 IS DISTINCT FROM ''sent'' AND t.receiver = $1)
                      FROM %s t WHERE t.sender = $1 OR t.receiver = $1', part)
      INTO k USING acct, v_dir;
  END IF;
  target := ceil((remaining + 2)::numeric / greatest(1, coalesce(k, 0) / CASE WHEN v_dir IS NULL THEN 2 ELSE 1 END));
  IF row_day < hi_day THEN  -- the account row's day (today, mostly)
    SELECT (CASE WHEN v_dir IS DISTINCT FROM 'received' AND u.day_sent <> 0 THEN 1 ELSE 0 END)
         + (CASE WHEN v_dir IS DISTINCT FROM 'sent' AND u.day_received <> 0 THEN 1 ELSE 0 END)
      INTO seen FROM users u WHERE u.id = acct;
  END IF;
  <<months>>
  FOR m IN SELECT t.month, t.sent_days, t.received_days FROM user_monthly_totals t
            WHERE t.user_id = acct AND t.month < hi_day AND t.month >= date_trunc('month', stop_day) ORDER BY t.month DESC LOOP
    last_i := least(31, hi_day - m.month);
    SELECT count(*) FILTER (WHERE v_dir IS DISTINCT FROM 'received' AND z.s <> 0) + count(*) FILTER (WHERE v_dir IS DISTINCT FROM 'sent' AND z.r <> 0)
      INTO k FROM unnest(m.sent_days[1:last_i], m.received_days[1:last_i]) AS z (s, r);
    IF seen + k >= target THEN
      FOR i IN REVERSE last_i..1 LOOP
        seen := seen + (CASE WHEN v_dir IS DISTINCT FROM 'received' AND m.sent_days[i] <> 0 THEN 1 ELSE 0 END)
                     + (CASE WHEN v_dir IS DISTINCT FROM 'sent' AND m.received_days[i] <> 0 THEN 1 ELSE 0 END);
        IF seen >= target THEN
          lo_day := m.month + i - 1;
          EXIT months;
        END IF;
      END LOOP;
    END IF;
    seen := seen + k;
  END LOOP;
  lo_day := greatest(coalesce(lo_day, stop_day), stop_day);

  LOOP
    -- The balance before hi_day, from the totals; walking the chunk back from it, the balance
    -- after a row is that minus the net of the effective rows newer than it (the rows before the
    -- cursor and outside the filters included).
    b_top := pgbank_private.balance_before_day(acct, hi_day);
    lo_ts := lo_day::timestamp AT TIME ZONE 'UTC';  -- constants in the plan: it opens those days' partitions only
    hi_ts := hi_day::timestamp AT TIME ZONE 'UTC';
    RETURN QUERY
    WITH chunk AS (  -- one scan per day partition: a BitmapOr of the sender and receiver indexes
      SELECT t.id, t.ts, CASE WHEN t.sender = acct THEN 'sent' ELSE 'received' END AS dir,
             CASE WHEN t.sender = acct THEN t.receiver ELSE t.sender END AS counterparty,
             t.amount, t.status, t.reason, t.metadata, t.reverses,
             CASE WHEN t.status <> 'success' OR t.sender = t.receiver THEN 0 WHEN t.sender = acct THEN -t.amount ELSE t.amount END AS net
        FROM transactions t
       WHERE (t.sender = acct OR t.receiver = acct)
         AND t.ts >= lo_ts AND t.ts < hi_ts
    ), walked AS (
      SELECT c.*, b_top - coalesce(sum(c.net) OVER (ORDER BY c.ts DESC, c.id DESC ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS bal
        FROM chunk c
    )
    SELECT w.id, w.ts, w.dir, w.counterparty, w.amount::numeric, w.status, w.reason,
           CASE WHEN w.status = 'success' THEN w.bal END, w.metadata, w.reverses,
           (SELECT r.reversal_ids FROM reversals r WHERE r.transaction_id = w.id AND r.reversal_ids <> '{}'),
           pgbank_private.history_cursor(w.ts, w.id)
      FROM walked w
     WHERE (c_ts IS NULL OR (w.ts, w.id) < (c_ts, c_id))
       AND (v_from IS NULL OR w.ts >= v_from) AND (v_to IS NULL OR w.ts < v_to)
       AND (v_dir IS NULL OR w.dir = v_dir) AND (v_status IS NULL OR w.status = v_status)
       AND (v_meta IS NULL OR w.metadata @> v_meta)
     ORDER BY w.ts DESC, w.id DESC
     LIMIT remaining;
    GET DIAGNOSTICS got = ROW_COUNT;
    remaining := remaining - got;
    EXIT WHEN remaining <= 0 OR lo_day <= stop_day;
    -- Short: the next chunk back, twice as long as the one read.
    k := hi_day - lo_day;
    hi_day := lo_day;
    lo_day := greatest(stop_day, hi_day - 2 * k);
  END LOOP;
END
$$;
COMMENT ON FUNCTION pgbank.history(uuid, timestamptz, timestamptz, text, text, jsonb, text, int) IS
  'An account''s movements newest first (filters: window, direction, status, metadata @>), page_size at a time after a cursor, with the balance after each effective one and reversal links';
REVOKE ALL ON FUNCTION pgbank.history(uuid, timestamptz, timestamptz, text, text, jsonb, text, int) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pgbank.history(uuid, timestamptz, timestamptz, text, text, jsonb, text, int) TO pgbank_app;
