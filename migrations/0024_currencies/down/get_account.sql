-- One account: balance (posted), available (balance - held), held, lower limit, version, created and modified times, status.
CREATE OR REPLACE FUNCTION pgbank.get_account(id uuid)
RETURNS pgbank.account
LANGUAGE plpgsql
STABLE
SECURITY DEFINER
SET search_path = pgbank, pg_temp
AS $$
DECLARE
  a pgbank.account;
BEGIN
  IF id IS NULL THEN
    RAISE EXCEPTION USING ERRCODE = '22004', MESSAGE = 'get_account: id must not be NULL';
  END IF;
  SELECT u.id, u.name, u.balance, u.balance - u.held, u.held, u.lower_limit, u.version, u.created_at, u.modified_at,
         u.status, u.credits_frozen
    INTO a FROM users u WHERE u.id = get_account.id;
  IF NOT FOUND THEN
    RAISE EXCEPTION USING ERRCODE = 'P0002', MESSAGE = format('get_account: unknown account %L', id);
  END IF;
  RETURN a;
END
$$;
COMMENT ON FUNCTION pgbank.get_account(uuid) IS
  'An account: id, name, balance, available (= balance - held), held, lower_limit, version, created_at, modified_at, status (open, frozen, closed), credits_frozen';
REVOKE ALL ON FUNCTION pgbank.get_account(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pgbank.get_account(uuid) TO pgbank_app;
