-- Router: every cross-shard transfer paid and not yet credited (or returned), from every shard
CREATE OR REPLACE FUNCTION pgbank.money_in_transit()
RETURNS TABLE (request_id text, from_account uuid, to_account uuid, from_shard int, to_shard int, amount numeric, ts timestamptz)
LANGUAGE plproxy
SECURITY DEFINER
AS $$
  CLUSTER 'pgbank_shards';
  RUN ON ALL;
  TARGET pgbank.money_in_transit;
$$;
COMMENT ON FUNCTION pgbank.money_in_transit() IS
  'Router: every cross-shard transfer paid and not yet credited (or returned), from every shard';
REVOKE ALL ON FUNCTION pgbank.money_in_transit() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pgbank.money_in_transit() TO pgbank_app;
