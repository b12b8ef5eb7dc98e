-- The router's set_account_status() on a shard: pgbank.set_account_status(), refusing a clearing account (as one node refuses the world account).
CREATE OR REPLACE FUNCTION pgbank.shard_set_account_status(
  account uuid, status text, reason text, changed_by text, credits_frozen boolean DEFAULT false)
RETURNS pgbank.account
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pgbank, pg_temp
AS $$
BEGIN
  -- A frozen or closed clearing account would stop the delivery of every transfer between this
  -- shard and its peer (credits returned, returns refused): only the delivery moves its money.
  PERFORM pgbank_private.check_not_clearing('set_account_status', account);
  RETURN pgbank.set_account_status(account, status, reason, changed_by, credits_frozen);
END
$$;
COMMENT ON FUNCTION pgbank.shard_set_account_status(uuid, text, text, text, boolean) IS
  'Shard side of the router''s set_account_status(): pgbank.set_account_status(), refusing clearing accounts (22023)';
REVOKE ALL ON FUNCTION pgbank.shard_set_account_status(uuid, text, text, text, boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pgbank.shard_set_account_status(uuid, text, text, text, boolean) TO pgbank_app;
