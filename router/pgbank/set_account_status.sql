-- Router: set_account_status() on the account's shard
CREATE OR REPLACE FUNCTION pgbank.set_account_status(
  account uuid, status text, reason text, changed_by text, credits_frozen boolean DEFAULT false)
RETURNS pgbank.account
LANGUAGE plproxy
SECURITY DEFINER
AS $$
  CLUSTER 'pgbank_shards';
  RUN ON pgbank_router.route(account);
  TARGET pgbank.set_account_status;
$$;
COMMENT ON FUNCTION pgbank.set_account_status(uuid, text, text, text, boolean) IS
  'Router: set_account_status() on the account''s shard';
REVOKE ALL ON FUNCTION pgbank.set_account_status(uuid, text, text, text, boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pgbank.set_account_status(uuid, text, text, text, boolean) TO pgbank_app;
