-- The router's transfer_batch() on a shard: pgbank.transfer_batch() when every account is here; a batch across shards is refused (0A000).
CREATE OR REPLACE FUNCTION pgbank.shard_transfer_batch(
  request_id text, from_accounts uuid[], to_accounts uuid[], amounts numeric[], metadata jsonb DEFAULT NULL)
RETURNS SETOF pgbank.transfer_result
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pgbank, pg_temp
AS $$
DECLARE
  foreign_id uuid;
BEGIN
  -- All or nothing needs one transaction: every account on this shard (the world is on all).
  SELECT a INTO foreign_id FROM unnest(from_accounts || to_accounts) a
   WHERE pgbank_private.is_clearing(a) OR pgbank_private.remote_shard(a) IS NOT NULL LIMIT 1;
  IF pgbank_private.is_clearing(foreign_id) THEN
    PERFORM pgbank_private.check_not_clearing('transfer_batch', foreign_id);
  ELSIF foreign_id IS NOT NULL THEN
    RAISE EXCEPTION USING ERRCODE = '0A000',
      MESSAGE = format('transfer_batch: account %L is on shard %s, not on shard %s with from_accounts[1]: a batch across shards is not supported',
                       foreign_id, pgbank_private.remote_shard(foreign_id), (SELECT c.shard_no FROM shard_config c)),
      HINT = 'a batch is all or nothing on one shard; use transfers() for independent transfers across shards';
  END IF;
  RETURN QUERY SELECT * FROM pgbank.transfer_batch(request_id, from_accounts, to_accounts, amounts, metadata);
END
$$;
COMMENT ON FUNCTION pgbank.shard_transfer_batch(text, uuid[], uuid[], numeric[], jsonb) IS
  'Shard side of the router''s transfer_batch(): pgbank.transfer_batch() when every account is on this shard; otherwise 0A000';
REVOKE ALL ON FUNCTION pgbank.shard_transfer_batch(text, uuid[], uuid[], numeric[], jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pgbank.shard_transfer_batch(text, uuid[], uuid[], numeric[], jsonb) TO pgbank_app;
