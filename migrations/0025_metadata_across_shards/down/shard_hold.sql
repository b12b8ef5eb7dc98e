-- The router's hold() on a shard: pgbank.hold() when the payee is here; a hold across shards is refused (0A000).
CREATE OR REPLACE FUNCTION pgbank.shard_hold(request_id text, from_account uuid, to_account uuid, amount numeric, expires_in interval)
RETURNS pgbank.hold_result
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pgbank, pg_temp
AS $$
BEGIN
  PERFORM pgbank_private.check_not_clearing('hold', from_account, to_account);
  IF pgbank_private.remote_shard(to_account) IS NOT NULL THEN
    RAISE EXCEPTION USING ERRCODE = '0A000',
      MESSAGE = format('hold: from_account %L and to_account %L are on different shards (%s and %s): holds across shards are not supported',
                       from_account, to_account, (SELECT c.shard_no FROM shard_config c), pgbank_private.remote_shard(to_account)),
      HINT = 'use transfer() (delivered through the clearing accounts), or hold between accounts of one shard';
  END IF;
  RETURN pgbank.hold(request_id, from_account, to_account, amount, expires_in);
END
$$;
COMMENT ON FUNCTION pgbank.shard_hold(text, uuid, uuid, numeric, interval) IS
  'Shard side of the router''s hold(): pgbank.hold() between accounts of this shard; across shards 0A000';
REVOKE ALL ON FUNCTION pgbank.shard_hold(text, uuid, uuid, numeric, interval) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pgbank.shard_hold(text, uuid, uuid, numeric, interval) TO pgbank_app;
