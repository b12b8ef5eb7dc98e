-- Router: hold() on the payer's shard; a payee on another shard is refused (0A000)
DROP FUNCTION IF EXISTS pgbank.hold(text, uuid, uuid, numeric, interval);  -- a router made before metadata
CREATE OR REPLACE FUNCTION pgbank.hold(request_id text, from_account uuid, to_account uuid, amount numeric, expires_in interval, metadata jsonb DEFAULT NULL)
RETURNS pgbank.hold_result
LANGUAGE plproxy
SECURITY DEFINER
AS $$
  CLUSTER 'pgbank_shards';
  RUN ON pgbank_router.route(from_account);
  TARGET pgbank.shard_hold;
$$;
COMMENT ON FUNCTION pgbank.hold(text, uuid, uuid, numeric, interval, jsonb) IS
  'Router: hold() on the payer''s shard; a payee on another shard is refused (0A000)';
REVOKE ALL ON FUNCTION pgbank.hold(text, uuid, uuid, numeric, interval, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pgbank.hold(text, uuid, uuid, numeric, interval, jsonb) TO pgbank_app;
