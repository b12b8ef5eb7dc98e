-- Exact sum of a user's effective transactions in [ts_start, ts_end) (UTC): monthly totals for whole days, day partitions for the rest.
CREATE OR REPLACE FUNCTION pgbank_private.sum_window(v_user uuid, ts_start timestamp, ts_end timestamp, v_dir text)
RETURNS numeric
LANGUAGE plpgsql
STABLE
SET search_path = pgbank, pg_temp
AS $$
DECLARE
  -- Whole UTC days inside the window are [first_day, end_day): they come from the monthly
  -- totals; the partial days at each end come from their day partition.
  first_day date := CASE WHEN ts_start = date_trunc('day', ts_start) THEN ts_start::date ELSE ts_start::date + 1 END;
  end_day   date := ts_end::date;
  total     numeric := 0;
BEGIN
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

  RETURN total;
END
$$;
COMMENT ON FUNCTION pgbank_private.sum_window(uuid, timestamp, timestamp, text) IS
  'Helper: a user''s effective transactions as ''sender'' or ''receiver'' in [ts_start, ts_end), UTC, unchecked arguments';
