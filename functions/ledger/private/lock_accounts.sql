-- Locks two accounts FOR UPDATE in the global order (smaller id first, one row per statement); the world account is never locked.
CREATE OR REPLACE FUNCTION pgbank_private.lock_accounts(a uuid, b uuid)
RETURNS void
LANGUAGE plpgsql
SET search_path = pgbank, pg_temp
AS $$
BEGIN
  PERFORM FROM users u WHERE u.id = least(a, b) AND u.id <> pgbank_private.world() FOR UPDATE;
  IF a <> b THEN
    PERFORM FROM users u WHERE u.id = greatest(a, b) FOR UPDATE;
  END IF;
END
$$;
COMMENT ON FUNCTION pgbank_private.lock_accounts(uuid, uuid) IS
  'Helper: SELECT ... FOR UPDATE of two accounts in account-id order (never the world account)';
