-- Router: verify_balances() of every shard (empty when every balance is exact)
CREATE OR REPLACE FUNCTION pgbank.verify_balances()
RETURNS TABLE (account uuid, stored_balance numeric, actual_balance numeric, stored_held numeric, actual_held numeric)
LANGUAGE plproxy
SECURITY DEFINER
AS $$
  CLUSTER 'pgbank_shards';
  RUN ON ALL;
  TARGET pgbank.verify_balances;
$$;
COMMENT ON FUNCTION pgbank.verify_balances() IS
  'Router: verify_balances() of every shard (empty when every balance is exact)';
REVOKE ALL ON FUNCTION pgbank.verify_balances() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pgbank.verify_balances() TO pgbank_app;
