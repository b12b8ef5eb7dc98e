-- The router's reverse() on the shard that owns the transaction: pgbank.reverse(); a cross-shard transfer's rows are refused (0A000).
CREATE OR REPLACE FUNCTION pgbank.shard_reverse(request_id text, transaction_id bigint, amount numeric DEFAULT NULL, metadata jsonb DEFAULT NULL)
RETURNS pgbank.reverse_result
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pgbank, pg_temp
AS $$
DECLARE
  o transactions := pgbank_private.find_transaction(transaction_id);
BEGIN
  -- Taking back a payment to another shard would have to take the money from the payee there and
  -- deliver it back here: two shards, two transactions, and the payee may have spent it.
  IF pgbank_private.is_clearing(o.sender) OR pgbank_private.is_clearing(o.receiver) THEN
    RAISE EXCEPTION USING ERRCODE = '0A000',
      MESSAGE = format('reverse: transaction %s of account %L is part of a transfer between shards: reversals across shards are not supported',
                       transaction_id, CASE WHEN pgbank_private.is_clearing(o.sender) THEN o.receiver ELSE o.sender END),
      HINT = 'the payee can transfer the money back (a transfer in the other direction)';
  END IF;
  RETURN pgbank.reverse(request_id, transaction_id, amount, metadata);
END
$$;
COMMENT ON FUNCTION pgbank.shard_reverse(text, bigint, numeric, jsonb) IS
  'Shard side of the router''s reverse(): pgbank.reverse() on the shard that owns the transaction; a row of a cross-shard transfer (a clearing account''s) is refused with 0A000';
REVOKE ALL ON FUNCTION pgbank.shard_reverse(text, bigint, numeric, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pgbank.shard_reverse(text, bigint, numeric, jsonb) TO pgbank_app;
