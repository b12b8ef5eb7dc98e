-- Exact sum of a user's effective transactions in [ts_start, ts_end) (UTC): day and monthly totals for whole days, day partitions for the rest.
CREATE OR REPLACE FUNCTION pgbank_private.sum_window(user_id uuid, ts_start timestamp, ts_end timestamp, direction text)
RETURNS numeric
LANGUAGE plpgsql
STABLE
SET search_path = pgbank, pg_temp
AS $$
DECLARE
  -- Whole UTC days inside the window are [first_day, end_day): they come from the monthly
  -- totals. What is left is the part of ts_start's day before first_day (left edge) and the part
  -- of end_day before ts_end (right edge): raw rows, read from those days' partitions.
  first_day date := CASE WHEN ts_start = date_trunc('day', ts_start) THEN ts_start::date ELSE ts_start::date + 1 END;
  end_day   date := ts_end::date;
  whole     numeric;  -- the whole days
  left_day  numeric;  -- all of ts_start's day, all of end_day: when 0, no row there, so no edge to read
  right_day numeric;
  lo        timestamptz := ts_start AT TIME ZONE 'UTC';
  hi        timestamptz := ts_end AT TIME ZONE 'UTC';
  cut       timestamptz := end_day::timestamp AT TIME ZONE 'UTC';  -- midnight before ts_end
BEGIN
  -- One row per month from ts_start's month to end_day's. A month wholly inside counts its
  -- total; a month cut by the window sums the slice of its days inside. The day whose totals the
  -- account's own row holds comes as one more month row, with that one day.
  SELECT coalesce(sum(CASE WHEN m.month >= first_day AND b.next_month <= end_day THEN m.total
                           WHEN first_day < end_day THEN
                             (SELECT sum(d) FROM unnest(m.days[greatest(first_day, m.month) - m.month + 1
                                                               : least(end_day, b.next_month) - m.month]) AS d)
                      END), 0),
         sum(m.days[ts_start::date - m.month + 1]) FILTER (WHERE m.month = date_trunc('month', ts_start)),
         sum(m.days[end_day - m.month + 1]) FILTER (WHERE m.month = date_trunc('month', end_day))
    INTO whole, left_day, right_day
    FROM (SELECT t.month::date AS month,
                 CASE WHEN direction = 'sender' THEN t.sent ELSE t.received END AS total,
                 CASE WHEN direction = 'sender' THEN t.sent_days ELSE t.received_days END::numeric[] AS days
            FROM user_monthly_totals t
           WHERE t.user_id = sum_window.user_id AND t.month >= date_trunc('month', ts_start) AND t.month <= end_day
          UNION ALL
          SELECT r.month, r.total, array_fill(0::numeric, ARRAY[r.i - 1]) || r.total || array_fill(0::numeric, ARRAY[31 - r.i])
            FROM users u
           CROSS JOIN LATERAL (SELECT date_trunc('month', u.totals_day::timestamp)::date AS month, extract(day FROM u.totals_day)::int AS i,
                                      CASE WHEN direction = 'sender' THEN u.day_sent ELSE u.day_received END AS total) r
           WHERE u.id = sum_window.user_id AND r.month >= date_trunc('month', ts_start) AND r.month <= end_day) m
   CROSS JOIN LATERAL (SELECT (m.month + interval '1 month')::date AS next_month) b;
  IF first_day >= end_day AND (ts_start::date = ts_end::date OR ts_end = end_day) THEN
    -- Within one day (or up to its end).
    RETURN CASE WHEN coalesce(left_day, 0) = 0 OR lo = hi THEN 0 ELSE pgbank_private.sum_partial_days(user_id, direction, lo, hi) END;
  ELSIF first_day >= end_day THEN
    -- Across one midnight: two edges.
    lo := CASE WHEN coalesce(left_day, 0) <> 0 THEN lo END;
    hi := CASE WHEN coalesce(right_day, 0) <> 0 THEN hi END;
  ELSE
    lo := CASE WHEN ts_start < first_day AND coalesce(left_day, 0) <> 0 THEN lo END;
    hi := CASE WHEN ts_end > end_day AND coalesce(right_day, 0) <> 0 THEN hi END;
  END IF;
  RETURN whole + CASE
    WHEN lo IS NOT NULL AND hi IS NOT NULL
      THEN pgbank_private.sum_partial_days(user_id, direction, lo, first_day::timestamp AT TIME ZONE 'UTC', cut, hi)
    WHEN lo IS NOT NULL THEN pgbank_private.sum_partial_days(user_id, direction, lo, first_day::timestamp AT TIME ZONE 'UTC')
    WHEN hi IS NOT NULL THEN pgbank_private.sum_partial_days(user_id, direction, cut, hi)
    ELSE 0 END;
END
$$;
COMMENT ON FUNCTION pgbank_private.sum_window(uuid, timestamp, timestamp, text) IS
  'Helper: a user''s effective transactions as ''sender'' or ''receiver'' in [ts_start, ts_end), UTC, unchecked arguments';
