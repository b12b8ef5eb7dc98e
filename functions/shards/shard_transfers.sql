-- The router's transfers() on a shard: pgbank.transfers() when every account is here; accounts of other shards are refused (0A000).
CREATE OR REPLACE FUNCTION pgbank.shard_transfers(request_ids text[], from_accounts uuid[], to_accounts uuid[], amounts numeric[])
RETURNS SETOF pgbank.transfer_result
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pgbank, pg_temp
AS $$
DECLARE
  foreign_id uuid;
BEGIN
  -- Every account of the call on this shard (the world is on all): one transaction, locks in one order.
  SELECT a INTO foreign_id FROM unnest(from_accounts || to_accounts) a
   WHERE pgbank_private.is_clearing(a) OR pgbank_private.remote_shard(a) IS NOT NULL LIMIT 1;
  IF pgbank_private.is_clearing(foreign_id) THEN
    PERFORM pgbank_private.check_not_clearing('transfers', foreign_id);
  ELSIF foreign_id IS NOT NULL THEN
    RAISE EXCEPTION USING ERRCODE = '0A000',
      MESSAGE = format('transfers: account %L is on shard %s, not on shard %s with from_accounts[1]: transfers() with accounts on several shards is not supported',
                       foreign_id, pgbank_private.remote_shard(foreign_id), (SELECT c.shard_no FROM shard_config c)),
      HINT = 'call transfer() for each item whose accounts are on other shards';
  END IF;
  RETURN QUERY SELECT * FROM pgbank.transfers(request_ids, from_accounts, to_accounts, amounts);
END
$$;
COMMENT ON FUNCTION pgbank.shard_transfers(text[], uuid[], uuid[], numeric[]) IS
  'Shard side of the router''s transfers(): pgbank.transfers() when every account is on this shard; otherwise 0A000';
REVOKE ALL ON FUNCTION pgbank.shard_transfers(text[], uuid[], uuid[], numeric[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pgbank.shard_transfers(text[], uuid[], uuid[], numeric[]) TO pgbank_app;
