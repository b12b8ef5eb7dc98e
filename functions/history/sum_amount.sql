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
  started timestamptz := clock_timestamp();
  units   smallint;  -- the account's currency's minor units: the sum has exactly as many decimals
BEGIN
  IF user_id IS NULL OR ts_start IS NULL OR ts_end IS NULL OR direction IS NULL THEN
    RAISE EXCEPTION USING ERRCODE = '22004',
      MESSAGE = format('sum_amount: %s must not be NULL',
        concat_ws(', ', CASE WHEN user_id IS NULL THEN 'user_id' END, CASE WHEN ts_start IS NULL THEN 'ts_start' END,
                        CASE WHEN ts_end IS NULL THEN 'ts_end' END, CASE WHEN direction IS NULL THEN 'direction' END));
  END IF;
  IF direction NOT IN ('sender', 'receiver') THEN
    RAISE EXCEPTION USING ERRCODE = '22023',
      MESSAGE = format('sum_amount: unknown direction %s', pgbank_private.shown(direction)),
      HINT = 'direction is ''sender'' or ''receiver''';
  END IF;
  IF ts_start > ts_end THEN
    RAISE EXCEPTION USING ERRCODE = '22023',
      MESSAGE = format('sum_amount: ts_start %L is after ts_end %L', ts_start, ts_end),
      HINT = 'the window is [ts_start, ts_end), so ts_start <= ts_end';
  END IF;
  SELECT u.minor_units INTO units FROM users u WHERE u.id = sum_amount.user_id;
  IF NOT FOUND THEN
    RAISE EXCEPTION USING ERRCODE = 'P0002', MESSAGE = format('sum_amount: unknown user %L', user_id);
  ELSIF user_id = pgbank_private.world() THEN
    RAISE EXCEPTION USING ERRCODE = 'P0002', MESSAGE = format('sum_amount: %L is the world account, which keeps no totals', user_id),
      HINT = 'the world is the other side of top-ups and withdrawals; sum the accounts instead';
  END IF;

  sum_amount := round(pgbank_private.sum_window(user_id, ts_start, ts_end, direction), units);  -- 0.00 (USD) when nothing matches
  response_time_seconds := extract(epoch FROM clock_timestamp() - started)::double precision;
END
$$;
COMMENT ON FUNCTION pgbank.sum_amount(uuid, timestamp, timestamp, text) IS
  'Exact sum of a user''s effective transactions as ''sender'' or ''receiver'' in [ts_start, ts_end), timestamps in UTC; with the database time taken';
REVOKE ALL ON FUNCTION pgbank.sum_amount(uuid, timestamp, timestamp, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pgbank.sum_amount(uuid, timestamp, timestamp, text) TO pgbank_app;
