-- Bulk-inserts n random past transactions among existing users, with their balances and monthly totals (seeding only).
CREATE OR REPLACE FUNCTION pgbank_private.insert_history(n int, lo timestamptz, hi timestamptz)
RETURNS int
LANGUAGE plpgsql
SET search_path = pgbank, pg_temp
-- Skips the row triggers (superuser only): every id comes from pgbank.users in the same
-- statement, and balances and totals are added below, set-wise.
SET session_replication_role = replica
AS $$
DECLARE
  users_count int;
BEGIN
  IF n IS NULL OR n < 0 OR lo IS NULL OR hi IS NULL OR lo >= hi THEN
    RAISE EXCEPTION USING ERRCODE = '22023',
      MESSAGE = format('insert_history: need n >= 0 and lo < hi, got n=%s lo=%L hi=%L', n, lo, hi);
  END IF;
  SELECT count(*) INTO users_count FROM users WHERE id <> pgbank_private.world();
  IF n > 0 AND users_count < 2 THEN
    RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = format('insert_history: needs 2 users or more, there are %s', users_count);
  END IF;

  -- Rows in time order (spread evenly over [lo, hi)), so the statement fills a few neighbouring
  -- day partitions; log-uniform amounts from 1.00 to 10,000.00.
  WITH picked AS (SELECT array_agg(id ORDER BY id) AS ids FROM users WHERE id <> pgbank_private.world()),
  inserted AS (
    INSERT INTO transactions (ts, sender, receiver, amount)
    SELECT lo + (hi - lo) * ((g - 1 + random()) / n),
           p.ids[pick.s], p.ids[1 + (pick.s + pick.r) % users_count],
           round(exp(random() * ln(10000))::numeric, 2)
      FROM picked p, generate_series(1, n) AS g,
           LATERAL (SELECT 1 + floor(random() * users_count)::int AS s,
                           floor(random() * (users_count - 1))::int AS r
                     WHERE g > 0) AS pick  -- WHERE g > 0: draw again for every row
    RETURNING sender, receiver, ts, amount
  ),
  legs AS (  -- each transaction is sent by one user and received by another
    SELECT c.user_id, date_trunc('month', c.day)::date AS month, c.day, c.sent, c.received
      FROM inserted i
     CROSS JOIN LATERAL (VALUES (i.sender,   (i.ts AT TIME ZONE 'UTC')::date, i.amount, 0::numeric),
                                (i.receiver, (i.ts AT TIME ZONE 'UTC')::date, 0::numeric, i.amount))
           AS c (user_id, day, sent, received)
  ),
  balances AS (  -- what the row trigger does one row at a time
    UPDATE users u SET balance = u.balance + d.delta, version = u.version + d.n, modified_at = now()
      FROM (SELECT user_id, sum(received) - sum(sent) AS delta, count(*) AS n FROM legs GROUP BY 1) d
     WHERE u.id = d.user_id
  ),
  per_day AS (
    SELECT l.user_id, l.month, l.day - l.month AS i, sum(l.sent) AS sent, sum(l.received) AS received
      FROM (SELECT user_id, month, day, sent, received FROM legs
            UNION ALL  -- a zero for all 31 days of each month touched, so the arrays come out dense
            SELECT k.user_id, k.month, k.month + g.i, 0, 0
              FROM (SELECT DISTINCT user_id, month FROM legs) AS k, generate_series(0, 30) AS g(i)) AS l
     GROUP BY 1, 2, 3
  )
  INSERT INTO user_monthly_totals AS t (user_id, month, sent, received, sent_days, received_days)
  SELECT user_id, month, sum(sent), sum(received), array_agg(sent ORDER BY i), array_agg(received ORDER BY i)
    FROM per_day
   GROUP BY 1, 2
   ORDER BY 1, 2
  ON CONFLICT (user_id, month) DO UPDATE
     SET sent          = t.sent + excluded.sent,
         received      = t.received + excluded.received,
         sent_days     = ARRAY(SELECT a + b FROM unnest(t.sent_days, excluded.sent_days) WITH ORDINALITY AS x(a, b, i) ORDER BY i),
         received_days = ARRAY(SELECT a + b FROM unnest(t.received_days, excluded.received_days) WITH ORDINALITY AS x(a, b, i) ORDER BY i);
  RETURN n;
END
$$;
COMMENT ON FUNCTION pgbank_private.insert_history(int, timestamptz, timestamptz) IS
  'Seeding: n random effective transactions in [lo, hi) among existing users, with their balances and monthly totals';
