-- Router: set_account_status() on the account's shard (a clearing account is refused there, 22023)
CREATE OR REPLACE FUNCTION pgbank.set_account_status(
  account uuid, status text, reason text, changed_by text, credits_frozen boolean DEFAULT false)
RETURNS pgbank.account
LANGUAGE plproxy
SECURITY DEFINER
AS $$
  CLUSTER 'pgbank_shards';
  RUN ON pgbank_router.route(account);
  TARGET pgbank.shard_set_account_status;
$$;
COMMENT ON FUNCTION pgbank.set_account_status(uuid, text, text, text, boolean) IS
  'Router: set_account_status() on the account''s shard; clearing accounts are refused (22023)';
REVOKE ALL ON FUNCTION pgbank.set_account_status(uuid, text, text, text, boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pgbank.set_account_status(uuid, text, text, text, boolean) TO pgbank_app;
