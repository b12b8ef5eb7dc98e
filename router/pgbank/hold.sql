-- Router: hold() on the payer's shard; a payee on another shard is refused (0A000)
CREATE OR REPLACE FUNCTION pgbank.hold(request_id text, from_account uuid, to_account uuid, amount numeric, expires_in interval)
RETURNS pgbank.hold_result
LANGUAGE plproxy
SECURITY DEFINER
AS $$
  CLUSTER 'pgbank_shards';
  RUN ON pgbank_router.route(from_account);
  TARGET pgbank.shard_hold;
$$;
COMMENT ON FUNCTION pgbank.hold(text, uuid, uuid, numeric, interval) IS
  'Router: hold() on the payer''s shard; a payee on another shard is refused (0A000)';
REVOKE ALL ON FUNCTION pgbank.hold(text, uuid, uuid, numeric, interval) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pgbank.hold(text, uuid, uuid, numeric, interval) TO pgbank_app;
