-- The router's reverse(), first step, on every shard: the arguments checked as reverse() checks them; this shard's number when the reversal is its own.
CREATE OR REPLACE FUNCTION pgbank.shard_reverse_check(request_id text, transaction_id bigint, amount numeric DEFAULT NULL, metadata jsonb DEFAULT NULL)
RETURNS SETOF int
LANGUAGE plpgsql
STABLE
SECURITY DEFINER
SET search_path = pgbank, pg_temp
AS $$
DECLARE
  o transactions;
BEGIN
  -- The checks of pgbank.reverse(), in its order: every shard raises the same error for bad input.
  PERFORM pgbank_private.check_request_id('reverse', request_id);
  IF transaction_id IS NULL THEN
    RAISE EXCEPTION USING ERRCODE = '22004', MESSAGE = 'reverse: transaction_id must not be NULL';
  END IF;
  IF amount IS NOT NULL THEN
    PERFORM pgbank_private.check_amount('reverse', amount);
  END IF;
  PERFORM pgbank_private.check_metadata('reverse', metadata);
  -- An id this shard never drew (another shard's range, or one not drawn yet) is not looked for: a
  -- miss searches every day partition (0.7 s on an idle shard).
  IF transaction_id > (SELECT s.last_value FROM pgbank.transactions_id_seq s)
     OR transaction_id < (SELECT q.seqmin FROM pg_sequence q WHERE q.seqrelid = 'pgbank.transactions_id_seq'::regclass)
        AND transaction_id > (SELECT c.older_ids_up_to FROM shard_config c) THEN
    RETURN;
  END IF;
  o := pgbank_private.find_transaction(transaction_id);
  -- Ours: the row is here and so is the account that would pay the reversal back (its receiver;
  -- for a withdrawal, its sender). A row of a clearing account is ours too, to be refused here.
  IF o.id IS NOT NULL AND (pgbank_private.is_clearing(o.sender) OR pgbank_private.is_clearing(o.receiver)
                           OR pgbank_private.remote_shard(CASE WHEN o.receiver = pgbank_private.world() THEN o.sender ELSE o.receiver END) IS NULL) THEN
    RETURN NEXT coalesce((SELECT c.shard_no FROM shard_config c), 0);
  END IF;
END
$$;
COMMENT ON FUNCTION pgbank.shard_reverse_check(text, bigint, numeric, jsonb) IS
  'Shard side of the router''s reverse(), run on all shards first: reverse()''s argument checks; this shard''s number when the transaction and the account paying its reversal are here';
REVOKE ALL ON FUNCTION pgbank.shard_reverse_check(text, bigint, numeric, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pgbank.shard_reverse_check(text, bigint, numeric, jsonb) TO pgbank_app;
