-- Router: clearing accounts of every shard whose balance disagrees with its outbox and inbox (empty when all is well)
CREATE OR REPLACE FUNCTION pgbank.verify_clearing()
RETURNS TABLE (shard int, peer int, account uuid, stored_balance numeric, expected_balance numeric)
LANGUAGE plproxy
SECURITY DEFINER
AS $$
  CLUSTER 'pgbank_shards';
  RUN ON ALL;
  TARGET pgbank.verify_clearing;
$$;
COMMENT ON FUNCTION pgbank.verify_clearing() IS
  'Router: clearing accounts of every shard whose balance disagrees with its outbox and inbox (empty when all is well)';
REVOKE ALL ON FUNCTION pgbank.verify_clearing() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pgbank.verify_clearing() TO pgbank_app;
