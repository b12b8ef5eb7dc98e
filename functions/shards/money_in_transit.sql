-- Money paid on this shard and not yet credited on the payee's shard (nor returned): one row per transfer.
CREATE OR REPLACE FUNCTION pgbank.money_in_transit()
RETURNS TABLE (request_id text, from_account uuid, to_account uuid, from_shard int, to_shard int, amount numeric, ts timestamptz)
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pgbank, pg_temp
AS $$
  SELECT o.request_id, o.account, o.to_account, c.shard_no, o.to_shard, o.amount, o.ts
    FROM shard_outbox o CROSS JOIN shard_config c
   WHERE o.status = 'pending'
   ORDER BY o.id
$$;
COMMENT ON FUNCTION pgbank.money_in_transit() IS
  'Cross-shard transfers paid on this shard and not yet credited or returned (empty on a single node)';
REVOKE ALL ON FUNCTION pgbank.money_in_transit() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pgbank.money_in_transit() TO pgbank_app;
