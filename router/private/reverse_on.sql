-- reverse() on one shard, by its number (PL/Proxy takes shard = number & (N - 1)).
CREATE OR REPLACE FUNCTION pgbank_router.reverse_on(shard int, request_id text, transaction_id bigint, amount numeric, metadata jsonb)
RETURNS pgbank.reverse_result
LANGUAGE plproxy
AS $$
  CLUSTER 'pgbank_shards';
  RUN ON shard;
  SELECT * FROM pgbank.shard_reverse(request_id, transaction_id, amount, metadata);
$$;
COMMENT ON FUNCTION pgbank_router.reverse_on(int, text, bigint, numeric, jsonb) IS
  'Router helper: pgbank.shard_reverse on shard number shard';
