-- create_account() on the shard that will own the id.
CREATE OR REPLACE FUNCTION pgbank_router.create_account_on(name text, lower_limit numeric, id uuid)
RETURNS pgbank.account
LANGUAGE plproxy
AS $$
  CLUSTER 'pgbank_shards';
  RUN ON pgbank_router.route(id);
  TARGET pgbank.create_account;
$$;
COMMENT ON FUNCTION pgbank_router.create_account_on(text, numeric, uuid) IS 'Router helper: pgbank.create_account on the shard of id';
