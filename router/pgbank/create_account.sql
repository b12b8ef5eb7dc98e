-- Router: opens an account on the shard its id hashes to (an id is drawn here when none is given).
DROP FUNCTION IF EXISTS pgbank.create_account(text, numeric, uuid);  -- a router made before currencies
CREATE OR REPLACE FUNCTION pgbank.create_account(name text, lower_limit numeric DEFAULT 0, id uuid DEFAULT NULL, currency text DEFAULT NULL)
RETURNS pgbank.account
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pgbank, pg_temp
AS $$
BEGIN
  RETURN pgbank_router.create_account_on(name, lower_limit, coalesce(id, gen_random_uuid()), currency);
END
$$;
COMMENT ON FUNCTION pgbank.create_account(text, numeric, uuid, text) IS
  'Router: create_account() on the shard its id hashes to (drawn here when NULL); a clearing account''s id is refused (22023), a currency other than the clearing accounts'' too (0A000)';
REVOKE ALL ON FUNCTION pgbank.create_account(text, numeric, uuid, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pgbank.create_account(text, numeric, uuid, text) TO pgbank_app;
