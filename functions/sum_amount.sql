-- Exact sum of a user's effective transactions as sender or receiver in [ts_start, ts_end) (UTC), for any caller.
CREATE OR REPLACE FUNCTION pgbank.sum_amount(
  user_id   uuid,
  ts_start  timestamp,
  ts_end    timestamp,
  direction text,
  OUT sum_amount numeric,
  OUT response_time_seconds double precision)
LANGUAGE plpgsql
STABLE
SECURITY DEFINER
SET search_path = pgbank, pg_temp
AS $$
DECLARE
  started   timestamptz := clock_timestamp();
  v_user    uuid := $1;
  v_dir     text := $4;
  -- Whole UTC days inside the window are [first_day, end_day): they come from the monthly
  -- totals; the partial days at each end come from their day partition.
  first_day date := CASE WHEN ts_start = date_trunc('day', ts_start) THEN ts_start::date ELSE ts_start::date + 1 END;
  end_day   date := ts_end::date;
  total     numeric := 0;
BEGIN
  IF v_user IS NULL OR ts_start IS NULL OR ts_end IS NULL OR v_dir IS NULL THEN
    RAISE EXCEPTION USING ERRCODE = '22004',
      MESSAGE = format('sum_amount: %s must not be NULL',
        concat_ws(', ', CASE WHEN v_user IS NULL THEN 'user_id' END, CASE WHEN ts_start IS NULL THEN 'ts_start' END,
                        CASE WHEN ts_end IS NULL THEN 'ts_end' END, CASE WHEN v_dir IS NULL THEN 'direction' END));
  END IF;
  IF v_dir NOT IN ('sender', 'receiver') THEN
    RAISE EXCEPTION USING ERRCODE = '22023',
      MESSAGE = format('sum_amount: unknown direction %L', v_dir),
      HINT = 'direction is ''sender'' or ''receiver''';
  END IF;
  IF ts_start > ts_end THEN
    RAISE EXCEPTION USING ERRCODE = '22023',
      MESSAGE = format('sum_amount: ts_start %L is after ts_end %L', ts_start, ts_end),
      HINT = 'the window is [ts_start, ts_end), so ts_start <= ts_end';
  END IF;
  IF NOT EXISTS (SELECT FROM users u WHERE u.id = v_user) THEN
    RAISE EXCEPTION USING ERRCODE = 'P0002', MESSAGE = format('sum_amount: unknown user %L', v_user);
  END IF;

  -- The partial days at the ends (at most two, each within one UTC day) come from their partitions.
  IF first_day >= end_day AND (ts_start::date = ts_end::date OR ts_end = date_trunc('day', ts_end)) THEN
    total := pgbank_private.edge_sum(v_user, v_dir, ts_start AT TIME ZONE 'UTC', ts_end AT TIME ZONE 'UTC');
  ELSIF first_day >= end_day THEN  -- straddles one midnight
    total := pgbank_private.edge_sum(v_user, v_dir, ts_start AT TIME ZONE 'UTC', end_day::timestamp AT TIME ZONE 'UTC',
                                                    end_day::timestamp AT TIME ZONE 'UTC', ts_end AT TIME ZONE 'UTC');
  ELSIF ts_start < first_day AND ts_end > end_day THEN
    total := pgbank_private.edge_sum(v_user, v_dir, ts_start AT TIME ZONE 'UTC', first_day::timestamp AT TIME ZONE 'UTC',
                                                    end_day::timestamp AT TIME ZONE 'UTC', ts_end AT TIME ZONE 'UTC');
  ELSIF ts_start < first_day THEN
    total := pgbank_private.edge_sum(v_user, v_dir, ts_start AT TIME ZONE 'UTC', first_day::timestamp AT TIME ZONE 'UTC');
  ELSIF ts_end > end_day THEN
    total := pgbank_private.edge_sum(v_user, v_dir, end_day::timestamp AT TIME ZONE 'UTC', ts_end AT TIME ZONE 'UTC');
  END IF;

  IF first_day < end_day THEN
    -- A month wholly inside uses its total; a month cut by the window sums its days in the window.
    SELECT total + coalesce(sum(
             CASE WHEN m.month >= first_day AND b.next_month <= end_day
                  THEN CASE WHEN v_dir = 'sender' THEN m.sent ELSE m.received END
                  ELSE (SELECT sum(x) FROM unnest((CASE WHEN v_dir = 'sender' THEN m.sent_days ELSE m.received_days END)
                          [CASE WHEN first_day > m.month THEN extract(day FROM first_day)::int ELSE 1 END
                           : CASE WHEN end_day < b.next_month THEN extract(day FROM end_day)::int - 1 ELSE 31 END]) AS x)
             END), 0)
      INTO total
      FROM user_monthly_totals m
     CROSS JOIN LATERAL (SELECT (m.month + interval '1 month')::date AS next_month) b
     WHERE m.user_id = v_user AND m.month >= date_trunc('month', first_day) AND m.month < end_day;
  END IF;

  sum_amount := total;
  response_time_seconds := extract(epoch FROM clock_timestamp() - started)::double precision;
END
$$;
COMMENT ON FUNCTION pgbank.sum_amount(uuid, timestamp, timestamp, text) IS
  'Exact sum of a user''s effective transactions as ''sender'' or ''receiver'' in [ts_start, ts_end), timestamps in UTC; with the database time taken';
REVOKE ALL ON FUNCTION pgbank.sum_amount(uuid, timestamp, timestamp, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pgbank.sum_amount(uuid, timestamp, timestamp, text) TO pgbank_app;
