-- Router: transfer() on the payer's shard; a payee on another shard is credited by the delivery (status in_transit)
CREATE OR REPLACE FUNCTION pgbank.transfer(request_id text, from_account uuid, to_account uuid, amount numeric)
RETURNS pgbank.transfer_result
LANGUAGE plproxy
SECURITY DEFINER
AS $$
  CLUSTER 'pgbank_shards';
  RUN ON pgbank_router.route(from_account);
  TARGET pgbank.shard_transfer;
$$;
COMMENT ON FUNCTION pgbank.transfer(text, uuid, uuid, numeric) IS
  'Router: transfer() on the payer''s shard; a payee on another shard is credited by the delivery (status in_transit)';
REVOKE ALL ON FUNCTION pgbank.transfer(text, uuid, uuid, numeric) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pgbank.transfer(text, uuid, uuid, numeric) TO pgbank_app;
