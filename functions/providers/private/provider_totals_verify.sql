-- Checks pgbank.provider_transaction_totals against a full scan of the history; returns the providers that differ (none when all is well).
CREATE OR REPLACE FUNCTION pgbank_private.provider_totals_verify()
RETURNS TABLE (provider_id bigint, kept_total numeric, real_total numeric, kept_transactions bigint, real_transactions bigint)
LANGUAGE sql
STABLE
SET search_path = pgbank, pg_temp
AS $$
  SELECT d.id, coalesce(t.total, 0), coalesce(h.total, 0), coalesce(t.transactions, 0), coalesce(h.transactions, 0)
    FROM initial_data d
    LEFT JOIN provider_transaction_totals t ON t.provider_id = d.id
    LEFT JOIN (SELECT ht.provider_id, sum(ht.transaction_value) AS total, count(*) AS transactions
                 FROM historical_transactions ht GROUP BY ht.provider_id) h ON h.provider_id = d.id
   WHERE coalesce(t.total, 0) <> coalesce(h.total, 0) OR coalesce(t.transactions, 0) <> coalesce(h.transactions, 0)
   ORDER BY d.id
$$;
COMMENT ON FUNCTION pgbank_private.provider_totals_verify() IS
  'Providers whose kept totals differ from their history (a full scan); empty when every total is exact';
