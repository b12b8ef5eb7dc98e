-- An account's totals for the UTC day of its latest movement live in its own row, which every
-- transfer updates anyway: two statements fewer per transfer than updating the monthly rows.
-- A day's totals are user_monthly_totals' day plus the row's day_* when totals_day is that day;
-- an account's first movement on a later day moves the row's day into its monthly row.

-- Up Migration
ALTER TABLE pgbank.users
  ADD COLUMN totals_day   date,                           -- the UTC day day_sent/day_received belong to
  ADD COLUMN day_sent     numeric NOT NULL DEFAULT 0,
  ADD COLUMN day_received numeric NOT NULL DEFAULT 0;
COMMENT ON COLUMN pgbank.users.totals_day IS
  'UTC day of day_sent/day_received: effective transactions of that day not (yet) in pgbank.user_monthly_totals (kept by trigger)';

-- Down Migration
-- Move each account's day into its monthly row (made, days zero-filled, if the month has none).
INSERT INTO pgbank.user_monthly_totals AS t (user_id, month, sent, received, sent_days, received_days)
SELECT u.id, date_trunc('month', u.totals_day)::date, u.day_sent, u.day_received,
       array_fill(0::numeric, ARRAY[extract(day FROM u.totals_day)::int - 1]) || u.day_sent
         || array_fill(0::numeric, ARRAY[31 - extract(day FROM u.totals_day)::int]),
       array_fill(0::numeric, ARRAY[extract(day FROM u.totals_day)::int - 1]) || u.day_received
         || array_fill(0::numeric, ARRAY[31 - extract(day FROM u.totals_day)::int])
  FROM pgbank.users u
 WHERE u.totals_day IS NOT NULL AND (u.day_sent <> 0 OR u.day_received <> 0)
ON CONFLICT (user_id, month) DO UPDATE
   SET sent          = t.sent + excluded.sent,
       received      = t.received + excluded.received,
       sent_days     = ARRAY(SELECT a + b FROM unnest(t.sent_days, excluded.sent_days) WITH ORDINALITY AS x(a, b, i) ORDER BY i),
       received_days = ARRAY(SELECT a + b FROM unnest(t.received_days, excluded.received_days) WITH ORDINALITY AS x(a, b, i) ORDER BY i);
-- Today's ledger triggers need these columns: they go too (the functions step after the
-- migrations makes them again), or every write to the ledger would fail until then.
DROP TRIGGER IF EXISTS transactions_rollup_insert ON pgbank.transactions;
DROP TRIGGER IF EXISTS transactions_rollup_update ON pgbank.transactions;
DROP TRIGGER IF EXISTS transactions_rollup_delete ON pgbank.transactions;
DROP TRIGGER IF EXISTS transactions_rollup_truncate ON pgbank.transactions;
ALTER TABLE pgbank.users DROP COLUMN totals_day, DROP COLUMN day_sent, DROP COLUMN day_received;
