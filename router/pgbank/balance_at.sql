-- Router: balance_at() on the account's shard
CREATE OR REPLACE FUNCTION pgbank.balance_at(account uuid, at timestamptz)
RETURNS numeric
LANGUAGE plproxy
SECURITY DEFINER
AS $$
  CLUSTER 'pgbank_shards';
  RUN ON pgbank_router.route(account);
  TARGET pgbank.balance_at;
$$;
COMMENT ON FUNCTION pgbank.balance_at(uuid, timestamptz) IS
  'Router: balance_at() on the account''s shard';
REVOKE ALL ON FUNCTION pgbank.balance_at(uuid, timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pgbank.balance_at(uuid, timestamptz) TO pgbank_app;
