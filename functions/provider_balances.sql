-- Every provider's KeyDB key {id}_{provider_name} and balance (initial_value + its transactions), in one snapshot, for the bridge's per-minute write.
CREATE OR REPLACE FUNCTION pgbank.provider_balances()
RETURNS TABLE (provider_id bigint, key text, balance numeric, transactions bigint)
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pgbank, pg_temp
AS $$
  -- One statement, so one snapshot: the balances never mix two batches. Reads the running
  -- totals (one row per provider), never the history, so its cost does not grow with it.
  SELECT d.id, d.id || '_' || d.provider_name, d.initial_value + coalesce(t.total, 0), coalesce(t.transactions, 0)
    FROM initial_data d
    LEFT JOIN provider_transaction_totals t ON t.provider_id = d.id
   ORDER BY d.id
$$;
COMMENT ON FUNCTION pgbank.provider_balances() IS
  'Each provider''s KeyDB key {id}_{provider_name}, balance = initial_value + sum(transaction_value) and transaction count, from one snapshot';
REVOKE ALL ON FUNCTION pgbank.provider_balances() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pgbank.provider_balances() TO pgbank_app;
