-- Router: get_account() on the account's shard
CREATE OR REPLACE FUNCTION pgbank.get_account(id uuid)
RETURNS pgbank.account
LANGUAGE plproxy
SECURITY DEFINER
AS $$
  CLUSTER 'pgbank_shards';
  RUN ON pgbank_router.route(id);
  TARGET pgbank.get_account;
$$;
COMMENT ON FUNCTION pgbank.get_account(uuid) IS
  'Router: get_account() on the account''s shard';
REVOKE ALL ON FUNCTION pgbank.get_account(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pgbank.get_account(uuid) TO pgbank_app;
