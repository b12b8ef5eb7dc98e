-- Today's two helpers go; down/*.sql, run next in the same transaction, puts back the ones before
-- this migration (the functions step only runs after an Up), under the names today's
-- pgbank.sum_amount and pgbank.balance_at call, and 0013's Down expects.
DROP FUNCTION IF EXISTS pgbank_private.sum_window(uuid, timestamp, timestamp, text);
DROP FUNCTION IF EXISTS pgbank_private.sum_partial_days(uuid, text, timestamptz, timestamptz, timestamptz, timestamptz);
