-- reverse()'s first step on every shard at once: each checks the arguments (the single node's errors) and names itself when the reversal is its own.
CREATE OR REPLACE FUNCTION pgbank_router.reverse_owners(request_id text, transaction_id bigint, amount numeric, metadata jsonb)
RETURNS SETOF int
LANGUAGE plproxy
AS $$
  CLUSTER 'pgbank_shards';
  RUN ON ALL;
  TARGET pgbank.shard_reverse_check;
$$;
COMMENT ON FUNCTION pgbank_router.reverse_owners(text, bigint, numeric, jsonb) IS
  'Router helper: pgbank.shard_reverse_check on every shard: the numbers of the shards that own the transaction''s reversal (one, or none)';
