-- The router's reverse() on the shard that owns the transaction: pgbank.reverse(); a cross-shard transfer's rows are refused (0A000).
CREATE OR REPLACE FUNCTION pgbank.shard_reverse(request_id text, transaction_id bigint, amount numeric DEFAULT NULL, metadata jsonb DEFAULT NULL)
RETURNS pgbank.reverse_result
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pgbank, pg_temp
AS $$
DECLARE
  account uuid;  -- this shard's account in a transfer between shards
BEGIN
  -- A transfer between shards is a payer -> clearing row here (or its return) in the outbox, or a
  -- clearing -> payee row in the inbox: found by index, without searching the ledger. Taking it
  -- back would take the money from the payee on the other shard and deliver it back: two shards,
  -- two transactions, and the payee may have spent it.
  SELECT o.account INTO account FROM shard_outbox o
   WHERE o.transaction_id = shard_reverse.transaction_id OR o.return_transaction_id = shard_reverse.transaction_id;
  IF NOT FOUND THEN
    SELECT b.to_account INTO account FROM shard_inbox b WHERE b.transaction_id = shard_reverse.transaction_id;
  END IF;
  IF account IS NOT NULL THEN
    RAISE EXCEPTION USING ERRCODE = '0A000',
      MESSAGE = format('reverse: transaction %s of account %L is part of a transfer between shards: reversals across shards are not supported',
                       transaction_id, account),
      HINT = 'the payee can transfer the money back (a transfer in the other direction)';
  END IF;
  RETURN pgbank.reverse(request_id, transaction_id, amount, metadata);
END
$$;
COMMENT ON FUNCTION pgbank.shard_reverse(text, bigint, numeric, jsonb) IS
  'Shard side of the router''s reverse(): pgbank.reverse() on the shard that owns the transaction; a row of a transfer between shards (its outbox or inbox names it) is refused with 0A000';
REVOKE ALL ON FUNCTION pgbank.shard_reverse(text, bigint, numeric, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pgbank.shard_reverse(text, bigint, numeric, jsonb) TO pgbank_app;
