-- Router: reverse() on the shard that owns the transaction (every shard is asked first: a transaction id does not say its shard).
CREATE OR REPLACE FUNCTION pgbank.reverse(request_id text, transaction_id bigint, amount numeric DEFAULT NULL, metadata jsonb DEFAULT NULL)
RETURNS pgbank.reverse_result
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pgbank, pg_temp
AS $$
DECLARE
  owners int[];
BEGIN
  -- Asked of all at once, read only; then the reversal runs on the one shard that answered. (Run
  -- on all in one step, a transaction id written on two shards before their id ranges
  -- (migration 0025) would be reversed twice.)
  owners := ARRAY(SELECT pgbank_router.reverse_owners(request_id, transaction_id, amount, metadata));
  IF cardinality(owners) = 0 THEN  -- no shard has it: what one node says
    RAISE EXCEPTION USING ERRCODE = 'P0002', MESSAGE = format('reverse: unknown transaction %s', transaction_id);
  ELSIF cardinality(owners) > 1 THEN
    RAISE EXCEPTION USING ERRCODE = '55000',
      MESSAGE = format('reverse: transaction %s exists on shards %s: an id written before the shards had their own ranges',
                       transaction_id, array_to_string(owners, ', ')),
      HINT = 'call pgbank.reverse() on the shard that holds the transaction you mean';
  END IF;
  RETURN pgbank_router.reverse_on(owners[1], request_id, transaction_id, amount, metadata);
END
$$;
COMMENT ON FUNCTION pgbank.reverse(text, bigint, numeric, jsonb) IS
  'Router: reverse() on the shard that owns the transaction (P0002 when none has it); a transfer between shards is not reversed (0A000)';
REVOKE ALL ON FUNCTION pgbank.reverse(text, bigint, numeric, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pgbank.reverse(text, bigint, numeric, jsonb) TO pgbank_app;
