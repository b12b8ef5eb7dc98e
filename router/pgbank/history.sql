-- Router: history() on the account's shard, naming the other party of a cross-shard movement (not the clearing account)
CREATE OR REPLACE FUNCTION pgbank.history(
  account uuid, from_ts timestamptz DEFAULT NULL, to_ts timestamptz DEFAULT NULL, direction text DEFAULT NULL,
  status text DEFAULT NULL, metadata jsonb DEFAULT NULL, after text DEFAULT NULL, page_size int DEFAULT 50)
RETURNS SETOF pgbank.history_entry
LANGUAGE plproxy
SECURITY DEFINER
AS $$
  CLUSTER 'pgbank_shards';
  RUN ON pgbank_router.route(account);
  TARGET pgbank.shard_history;
$$;
COMMENT ON FUNCTION pgbank.history(uuid, timestamptz, timestamptz, text, text, jsonb, text, int) IS
  'Router: history() on the account''s shard, naming the other party of a cross-shard movement (not the clearing account)';
REVOKE ALL ON FUNCTION pgbank.history(uuid, timestamptz, timestamptz, text, text, jsonb, text, int) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pgbank.history(uuid, timestamptz, timestamptz, text, text, jsonb, text, int) TO pgbank_app;
