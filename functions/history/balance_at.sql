-- An account's posted balance at a past moment: every effective transaction stamped at or before it.
CREATE OR REPLACE FUNCTION pgbank.balance_at(account uuid, at timestamptz)
RETURNS numeric
LANGUAGE plpgsql
STABLE
SECURITY DEFINER
SET search_path = pgbank, pg_temp
AS $$
DECLARE
  upto  timestamp;
  units smallint;  -- the account's currency's minor units: the balance has exactly as many decimals
BEGIN
  IF account IS NULL OR at IS NULL THEN
    RAISE EXCEPTION USING ERRCODE = '22004', MESSAGE = format('balance_at: %s must not be NULL',
      concat_ws(', ', CASE WHEN account IS NULL THEN 'account' END, CASE WHEN at IS NULL THEN 'at' END));
  END IF;
  SELECT u.minor_units INTO units FROM users u WHERE u.id = account;
  IF NOT FOUND THEN
    RAISE EXCEPTION USING ERRCODE = 'P0002', MESSAGE = format('balance_at: unknown account %L', account);
  ELSIF account = pgbank_private.world() THEN
    RAISE EXCEPTION USING ERRCODE = 'P0002', MESSAGE = format('balance_at: %L is the world account, which keeps no balance', account);
  END IF;
  -- ts <= at is ts < at + 1 µs (timestamps have microsecond resolution); the last representable
  -- moment has no next one, and nothing can be stamped after it.
  upto := CASE WHEN at >= timestamptz '294276-12-31 23:59:59.999999+00' THEN 'infinity'
               ELSE (at AT TIME ZONE 'UTC') + interval '1 microsecond' END;
  RETURN round(pgbank_private.sum_window(account, '-infinity', upto, 'receiver')
              - pgbank_private.sum_window(account, '-infinity', upto, 'sender'), units);
END
$$;
COMMENT ON FUNCTION pgbank.balance_at(uuid, timestamptz) IS
  'An account''s balance at a moment: effective transactions stamped at or before it (a posted hold counts from its posting)';
REVOKE ALL ON FUNCTION pgbank.balance_at(uuid, timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pgbank.balance_at(uuid, timestamptz) TO pgbank_app;
