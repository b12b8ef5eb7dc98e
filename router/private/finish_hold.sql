-- post_hold()/void_hold() on every shard at once: the hold's shard answers with one row, the others with none.
CREATE OR REPLACE FUNCTION pgbank_router.finish_hold(action text, hold_id uuid, amount numeric)
RETURNS SETOF pgbank.hold_result
LANGUAGE plproxy
AS $$
  CLUSTER 'pgbank_shards';
  RUN ON ALL;
  TARGET pgbank.shard_finish_hold;
$$;
COMMENT ON FUNCTION pgbank_router.finish_hold(text, uuid, numeric) IS
  'Router helper: pgbank.shard_finish_hold on every shard (a hold id does not say its shard)';
