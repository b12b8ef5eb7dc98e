-- create_account() on the shard that will own the id.
DROP FUNCTION IF EXISTS pgbank_router.create_account_on(text, numeric, uuid);  -- a router made before currencies
CREATE OR REPLACE FUNCTION pgbank_router.create_account_on(name text, lower_limit numeric, id uuid, currency text)
RETURNS pgbank.account
LANGUAGE plproxy
AS $$
  CLUSTER 'pgbank_shards';
  RUN ON pgbank_router.route(id);
  TARGET pgbank.shard_create_account;
$$;
COMMENT ON FUNCTION pgbank_router.create_account_on(text, numeric, uuid, text) IS 'Router helper: pgbank.shard_create_account on the shard of id';
