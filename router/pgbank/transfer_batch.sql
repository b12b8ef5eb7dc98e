-- Router: transfer_batch() on the shard of from_accounts[1]; every account must be there (0A000 otherwise)
DROP FUNCTION IF EXISTS pgbank.transfer_batch(text, uuid[], uuid[], numeric[]);  -- a router made before metadata
CREATE OR REPLACE FUNCTION pgbank.transfer_batch(
  request_id text, from_accounts uuid[], to_accounts uuid[], amounts numeric[], metadata jsonb DEFAULT NULL)
RETURNS SETOF pgbank.transfer_result
LANGUAGE plproxy
SECURITY DEFINER
AS $$
  CLUSTER 'pgbank_shards';
  RUN ON pgbank_router.route_first(from_accounts);
  TARGET pgbank.shard_transfer_batch;
$$;
COMMENT ON FUNCTION pgbank.transfer_batch(text, uuid[], uuid[], numeric[], jsonb) IS
  'Router: transfer_batch() on the shard of from_accounts[1]; every account must be there (0A000 otherwise)';
REVOKE ALL ON FUNCTION pgbank.transfer_batch(text, uuid[], uuid[], numeric[], jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pgbank.transfer_batch(text, uuid[], uuid[], numeric[], jsonb) TO pgbank_app;
