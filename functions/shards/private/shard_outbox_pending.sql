-- The oldest cross-shard transfers paid here and not yet credited or returned (for the delivery worker).
CREATE OR REPLACE FUNCTION pgbank_private.shard_outbox_pending(max_rows int DEFAULT 500)
RETURNS TABLE (id bigint, account uuid, request_id text, to_account uuid, to_shard int, amount numeric, ts timestamptz, metadata jsonb)
LANGUAGE sql
STABLE
AS $$
  SELECT o.id, o.account, o.request_id, o.to_account, o.to_shard, o.amount, o.ts, o.metadata
    FROM pgbank.shard_outbox o
   WHERE o.status = 'pending'
   ORDER BY o.id
   LIMIT max_rows
$$;
COMMENT ON FUNCTION pgbank_private.shard_outbox_pending(int) IS
  'Helper (delivery): up to max_rows pending cross-shard transfers paid on this shard (with their metadata), oldest first';
