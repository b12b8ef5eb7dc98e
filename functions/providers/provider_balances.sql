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
  -- A balance shows 2 decimals (1900.00) whatever scale its rows were written with; decimals
  -- beyond the second, when a provider sent some, are kept.
  SELECT b.id, b.key, round(b.balance, greatest(2, scale(trim_scale(b.balance)))), b.transactions
    FROM (SELECT d.id, d.id || '_' || d.provider_name AS key, d.initial_value + coalesce(t.total, 0) AS balance,
                 coalesce(t.transactions, 0) AS transactions
            FROM initial_data d
            LEFT JOIN provider_transaction_totals t ON t.provider_id = d.id) AS b
   ORDER BY b.id
$$;
COMMENT ON FUNCTION pgbank.provider_balances() IS
  'Each provider''s KeyDB key {id}_{provider_name}, balance = initial_value + sum(transaction_value) and transaction count, from one snapshot';
REVOKE ALL ON FUNCTION pgbank.provider_balances() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pgbank.provider_balances() TO pgbank_app;
