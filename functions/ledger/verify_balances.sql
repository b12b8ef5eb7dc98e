-- Audit: every account whose stored balance or held amount differs from what its transactions say (empty when all is well).
CREATE OR REPLACE FUNCTION pgbank.verify_balances()
RETURNS TABLE (account uuid, stored_balance numeric, actual_balance numeric, stored_held numeric, actual_held numeric)
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pgbank, pg_temp
AS $$
  WITH actual AS (
    SELECT c.account, sum(c.balance) AS balance, sum(c.held) AS held
      FROM transactions t
     CROSS JOIN LATERAL (VALUES (t.sender,   CASE WHEN t.status = 'success' THEN -t.amount ELSE 0 END,
                                             CASE WHEN t.status = 'held' THEN t.amount ELSE 0 END),
                                (t.receiver, CASE WHEN t.status = 'success' THEN t.amount ELSE 0 END, 0)) AS c (account, balance, held)
     WHERE t.status IN ('success', 'held')
     GROUP BY 1
  )
  SELECT u.id, u.balance, coalesce(a.balance, 0.00), u.held, coalesce(a.held, 0.00)
    FROM users u
    LEFT JOIN actual a ON a.account = u.id
   WHERE u.id <> pgbank_private.world()  -- keeps no balance
     AND (u.balance <> coalesce(a.balance, 0) OR u.held <> coalesce(a.held, 0))
   ORDER BY 1
$$;
COMMENT ON FUNCTION pgbank.verify_balances() IS
  'Audit: accounts whose balance or held amount differs from their transactions; empty when every balance is exact';
REVOKE ALL ON FUNCTION pgbank.verify_balances() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pgbank.verify_balances() TO pgbank_app;
