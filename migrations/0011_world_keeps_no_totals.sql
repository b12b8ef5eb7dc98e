-- The world account (money from and to outside pgbank) keeps no monthly totals, as it keeps no
-- balance: every top-up queued on its month's row. sum_amount and balance_at refuse it (P0002).

-- Up Migration
DELETE FROM pgbank.user_monthly_totals WHERE user_id = '00000000-0000-0000-0000-000000000000';

-- Down Migration
-- Rebuild the world's rows from its effective transactions, days zero-filled like every row's.
WITH legs AS (
  SELECT date_trunc('month', x.day)::date AS month, x.day, x.sent, x.received
    FROM (SELECT (t.ts AT TIME ZONE 'UTC')::date AS day,
                 CASE WHEN t.sender = '00000000-0000-0000-0000-000000000000' THEN t.amount ELSE 0 END AS sent,
                 CASE WHEN t.receiver = '00000000-0000-0000-0000-000000000000' THEN t.amount ELSE 0 END AS received
            FROM pgbank.transactions t
           WHERE t.status = 'success'
             AND '00000000-0000-0000-0000-000000000000' IN (t.sender, t.receiver)) AS x
), per_day AS (
  SELECT l.month, l.i, sum(l.sent) AS sent, sum(l.received) AS received
    FROM (SELECT month, day - month AS i, sent, received FROM legs
          UNION ALL
          SELECT k.month, g.i, 0, 0 FROM (SELECT DISTINCT month FROM legs) AS k, generate_series(0, 30) AS g(i)) AS l
   GROUP BY 1, 2
)
INSERT INTO pgbank.user_monthly_totals (user_id, month, sent, received, sent_days, received_days)
SELECT '00000000-0000-0000-0000-000000000000', month, sum(sent), sum(received),
       array_agg(sent ORDER BY i), array_agg(received ORDER BY i)
  FROM per_day
 GROUP BY month;
