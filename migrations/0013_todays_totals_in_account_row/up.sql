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
