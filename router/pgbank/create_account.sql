-- Router: opens an account on the shard its id hashes to (an id is drawn here when none is given).
CREATE OR REPLACE FUNCTION pgbank.create_account(name text, lower_limit numeric DEFAULT 0, id uuid DEFAULT NULL)
RETURNS pgbank.account
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pgbank, pg_temp
AS $$
BEGIN
  RETURN pgbank_router.create_account_on(name, lower_limit, coalesce(id, gen_random_uuid()));
END
$$;
COMMENT ON FUNCTION pgbank.create_account(text, numeric, uuid) IS
  'Router: create_account() on the shard its id hashes to (drawn here when NULL)';
REVOKE ALL ON FUNCTION pgbank.create_account(text, numeric, uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pgbank.create_account(text, numeric, uuid) TO pgbank_app;
