-- Router: sum_amount() on the user's shard (every row it sends or receives is there)
CREATE OR REPLACE FUNCTION pgbank.sum_amount(user_id uuid, ts_start timestamp, ts_end timestamp, direction text, OUT sum_amount numeric, OUT response_time_seconds double precision)
RETURNS record
LANGUAGE plproxy
SECURITY DEFINER
AS $$
  CLUSTER 'pgbank_shards';
  RUN ON pgbank_router.route(user_id);
  TARGET pgbank.sum_amount;
$$;
COMMENT ON FUNCTION pgbank.sum_amount(uuid, timestamp, timestamp, text) IS
  'Router: sum_amount() on the user''s shard (every row it sends or receives is there)';
REVOKE ALL ON FUNCTION pgbank.sum_amount(uuid, timestamp, timestamp, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pgbank.sum_amount(uuid, timestamp, timestamp, text) TO pgbank_app;
