-- Router: transfer() on the payer's shard; a payee on another shard is credited by the delivery (status in_transit), with the same metadata
DROP FUNCTION IF EXISTS pgbank.transfer(text, uuid, uuid, numeric);  -- a router made before metadata
CREATE OR REPLACE FUNCTION pgbank.transfer(request_id text, from_account uuid, to_account uuid, amount numeric, metadata jsonb DEFAULT NULL)
RETURNS pgbank.transfer_result
LANGUAGE plproxy
SECURITY DEFINER
AS $$
  CLUSTER 'pgbank_shards';
  RUN ON pgbank_router.route(from_account);
  TARGET pgbank.shard_transfer;
$$;
COMMENT ON FUNCTION pgbank.transfer(text, uuid, uuid, numeric, jsonb) IS
  'Router: transfer() on the payer''s shard; a payee on another shard is credited by the delivery (status in_transit), with the same metadata';
REVOKE ALL ON FUNCTION pgbank.transfer(text, uuid, uuid, numeric, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pgbank.transfer(text, uuid, uuid, numeric, jsonb) TO pgbank_app;
