-- Lists every (user, day) where the stored monthly totals differ from the transactions; empty when all is well.
CREATE OR REPLACE FUNCTION pgbank_private.verify_monthly_totals()
RETURNS TABLE (user_id uuid, day date, stored_sent numeric, actual_sent numeric,
               stored_received numeric, actual_received numeric)
LANGUAGE sql
STABLE
SET search_path = pgbank, pg_temp
AS $$
  -- Independent of how the totals were written: unpack the stored days, sum the raw rows, compare.
  WITH stored AS (
    SELECT m.user_id, m.month + (x.i::int - 1) AS day, x.sent, x.received
      FROM user_monthly_totals m
     CROSS JOIN LATERAL unnest(m.sent_days, m.received_days) WITH ORDINALITY AS x(sent, received, i)
     WHERE x.sent <> 0 OR x.received <> 0
  ), actual AS (
    SELECT c.user_id, c.day, sum(c.sent) AS sent, sum(c.received) AS received
      FROM transactions t
     CROSS JOIN LATERAL (VALUES (t.sender,   (t.ts AT TIME ZONE 'UTC')::date, t.amount, 0::numeric),
                                (t.receiver, (t.ts AT TIME ZONE 'UTC')::date, 0::numeric, t.amount))
           AS c (user_id, day, sent, received)
     WHERE t.status = 'success' AND c.user_id <> pgbank_private.world()  -- the world keeps no totals
     GROUP BY 1, 2
  ), month_sums AS (  -- a month's totals must equal the sum of its days
    SELECT m.user_id, m.month
      FROM user_monthly_totals m
     WHERE m.sent <> (SELECT sum(x) FROM unnest(m.sent_days) x)
        OR m.received <> (SELECT sum(x) FROM unnest(m.received_days) x)
  )
  SELECT coalesce(s.user_id, a.user_id), coalesce(s.day, a.day),
         coalesce(s.sent, 0), coalesce(a.sent, 0), coalesce(s.received, 0), coalesce(a.received, 0)
    FROM stored s
    FULL JOIN actual a ON a.user_id = s.user_id AND a.day = s.day
   WHERE coalesce(s.sent, 0) <> coalesce(a.sent, 0) OR coalesce(s.received, 0) <> coalesce(a.received, 0)
  UNION ALL
  SELECT ms.user_id, ms.month, NULL, NULL, NULL, NULL FROM month_sums ms
   ORDER BY 1, 2
$$;
COMMENT ON FUNCTION pgbank_private.verify_monthly_totals() IS
  'Audit: (user, day) where pgbank.user_monthly_totals differs from the transactions (NULL amounts: a month total differs from its days); empty when exact';
