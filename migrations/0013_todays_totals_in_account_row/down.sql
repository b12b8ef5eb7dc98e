-- No movement may change a day's totals while they move (the lock holds to the end).
LOCK TABLE pgbank.users IN EXCLUSIVE MODE;
-- Move each account's day into its monthly row, with the helper the ledger trigger uses for it
-- (it makes the month's row, days zero-filled, when there is none; dropped just below).
SELECT pgbank_private.add_day_totals(u.id, u.totals_day, u.day_sent, u.day_received)
  FROM pgbank.users u
 WHERE u.totals_day IS NOT NULL;

-- Today's functions read and write the columns dropped here. down/*.sql, run next in the same
-- transaction, puts back the functions and triggers as they were before this migration (the
-- functions step only runs after an Up); the helper above had no earlier version.
DROP FUNCTION pgbank_private.add_day_totals(uuid, date, numeric, numeric);

ALTER TABLE pgbank.users DROP COLUMN totals_day, DROP COLUMN day_sent, DROP COLUMN day_received;
