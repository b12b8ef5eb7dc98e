-- Audit: every clearing account whose balance differs from what this shard's outbox and inbox say (empty when all is well).
CREATE OR REPLACE FUNCTION pgbank.verify_clearing()
RETURNS TABLE (shard int, peer int, account uuid, stored_balance numeric, expected_balance numeric)
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pgbank, pg_temp
AS $$
  -- The clearing account for peer p holds what was paid here for p (not returned) minus what p's
  -- payers had credited here.
  SELECT c.shard_no, p.peer, u.id, u.balance,
         coalesce((SELECT sum(o.amount) FROM shard_outbox o WHERE o.to_shard = p.peer AND o.status <> 'returned'), 0)
       - coalesce((SELECT sum(b.amount) FROM shard_inbox b WHERE b.from_shard = p.peer AND b.outcome = 'credited'), 0)
    FROM shard_config c
   CROSS JOIN generate_series(0, c.shard_count - 1) AS p (peer)
    LEFT JOIN users u ON u.id = pgbank_private.clearing_account(p.peer)
   WHERE p.peer <> c.shard_no
     AND u.balance IS DISTINCT FROM
         coalesce((SELECT sum(o.amount) FROM shard_outbox o WHERE o.to_shard = p.peer AND o.status <> 'returned'), 0)
       - coalesce((SELECT sum(b.amount) FROM shard_inbox b WHERE b.from_shard = p.peer AND b.outcome = 'credited'), 0)
   ORDER BY 2
$$;
COMMENT ON FUNCTION pgbank.verify_clearing() IS
  'Audit: clearing accounts whose balance is not (paid here for the peer, not returned) - (credited here from the peer); empty when all is well';
REVOKE ALL ON FUNCTION pgbank.verify_clearing() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pgbank.verify_clearing() TO pgbank_app;
