-- Router: transfers() on the shard of from_accounts[1]; every account must be there (0A000 otherwise)
CREATE OR REPLACE FUNCTION pgbank.transfers(request_ids text[], from_accounts uuid[], to_accounts uuid[], amounts numeric[])
RETURNS SETOF pgbank.transfer_result
LANGUAGE plproxy
SECURITY DEFINER
AS $$
  CLUSTER 'pgbank_shards';
  RUN ON pgbank_router.route_first(from_accounts);
  TARGET pgbank.shard_transfers;
$$;
COMMENT ON FUNCTION pgbank.transfers(text[], uuid[], uuid[], numeric[]) IS
  'Router: transfers() on the shard of from_accounts[1]; every account must be there (0A000 otherwise)';
REVOKE ALL ON FUNCTION pgbank.transfers(text[], uuid[], uuid[], numeric[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pgbank.transfers(text[], uuid[], uuid[], numeric[]) TO pgbank_app;
