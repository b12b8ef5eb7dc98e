-- An account's posted balance at a past moment: every effective transaction stamped at or before it.
CREATE OR REPLACE FUNCTION pgbank.balance_at(account uuid, at timestamptz)
RETURNS numeric
LANGUAGE plpgsql
STABLE
SECURITY DEFINER
SET search_path = pgbank, pg_temp
AS $$
DECLARE
  -- ts <= at is ts < at + 1 µs (timestamps have microsecond resolution).
  upto timestamp := (at AT TIME ZONE 'UTC') + interval '1 microsecond';
BEGIN
  IF account IS NULL OR at IS NULL THEN
    RAISE EXCEPTION USING ERRCODE = '22004', MESSAGE = format('balance_at: %s must not be NULL',
      concat_ws(', ', CASE WHEN account IS NULL THEN 'account' END, CASE WHEN at IS NULL THEN 'at' END));
  END IF;
  IF NOT EXISTS (SELECT FROM users u WHERE u.id = account) THEN
    RAISE EXCEPTION USING ERRCODE = 'P0002', MESSAGE = format('balance_at: unknown account %L', account);
  ELSIF account = pgbank_private.world() THEN
    RAISE EXCEPTION USING ERRCODE = 'P0002', MESSAGE = format('balance_at: %L is the world account, which keeps no balance', account);
  END IF;
  IF at = 'infinity' THEN
    upto := 'infinity';
  END IF;
  RETURN pgbank_private.sum_window(account, '-infinity', upto, 'receiver')
       - pgbank_private.sum_window(account, '-infinity', upto, 'sender');
END
$$;
COMMENT ON FUNCTION pgbank.balance_at(uuid, timestamptz) IS
  'An account''s balance at a moment: effective transactions stamped at or before it (a posted hold counts from its posting)';
REVOKE ALL ON FUNCTION pgbank.balance_at(uuid, timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pgbank.balance_at(uuid, timestamptz) TO pgbank_app;
