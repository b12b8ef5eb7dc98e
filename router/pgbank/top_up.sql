-- Router: top_up() on the account's shard
DROP FUNCTION IF EXISTS pgbank.top_up(text, uuid, numeric);  -- a router made before metadata
CREATE OR REPLACE FUNCTION pgbank.top_up(request_id text, account uuid, amount numeric, metadata jsonb DEFAULT NULL)
RETURNS pgbank.transfer_result
LANGUAGE plproxy
SECURITY DEFINER
AS $$
  CLUSTER 'pgbank_shards';
  RUN ON pgbank_router.route(account);
  TARGET pgbank.shard_top_up;
$$;
COMMENT ON FUNCTION pgbank.top_up(text, uuid, numeric, jsonb) IS
  'Router: top_up() on the account''s shard';
REVOKE ALL ON FUNCTION pgbank.top_up(text, uuid, numeric, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pgbank.top_up(text, uuid, numeric, jsonb) TO pgbank_app;
