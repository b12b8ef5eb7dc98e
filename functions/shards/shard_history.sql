-- The router's history() on a shard: pgbank.history(), with the other party of a cross-shard movement in place of the clearing account.
CREATE OR REPLACE FUNCTION pgbank.shard_history(
  account uuid, from_ts timestamptz DEFAULT NULL, to_ts timestamptz DEFAULT NULL, direction text DEFAULT NULL,
  status text DEFAULT NULL, metadata jsonb DEFAULT NULL, after text DEFAULT NULL, page_size int DEFAULT 50)
RETURNS SETOF pgbank.history_entry
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pgbank, pg_temp
AS $$
  -- A payment to another shard is a row payer -> clearing account here (its outbox row names the
  -- payee, and its return's row the same); a credit from another shard, clearing account -> payee
  -- (its inbox row names the payer). One lookup per such row, by index.
  SELECT h.transaction_id, h.ts, h.direction,
         CASE WHEN pgbank_private.is_clearing(h.counterparty) THEN coalesce(
           (SELECT o.to_account FROM shard_outbox o WHERE o.transaction_id = h.transaction_id OR o.return_transaction_id = h.transaction_id),
           (SELECT b.account FROM shard_inbox b WHERE b.transaction_id = h.transaction_id),
           h.counterparty) ELSE h.counterparty END,
         h.amount, h.status, h.reason, h.balance_after, h.metadata, h.reverses, h.reversed_by, h.cursor
    FROM pgbank.history(account, from_ts, to_ts, direction, status, metadata, after, page_size) WITH ORDINALITY AS h
   ORDER BY h.ordinality
$$;
COMMENT ON FUNCTION pgbank.shard_history(uuid, timestamptz, timestamptz, text, text, jsonb, text, int) IS
  'Shard side of the router''s history(): pgbank.history(), naming the payee or payer on the other shard instead of the clearing account';
REVOKE ALL ON FUNCTION pgbank.shard_history(uuid, timestamptz, timestamptz, text, text, jsonb, text, int) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pgbank.shard_history(uuid, timestamptz, timestamptz, text, text, jsonb, text, int) TO pgbank_app;
