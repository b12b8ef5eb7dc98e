-- The router's create_account() on a shard: pgbank.create_account(), refusing a clearing account's id and a currency the clearing accounts do not carry.
CREATE OR REPLACE FUNCTION pgbank.shard_create_account(name text, lower_limit numeric DEFAULT 0, id uuid DEFAULT NULL, currency text DEFAULT NULL)
RETURNS pgbank.account
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pgbank, pg_temp
AS $$
DECLARE
  made   pgbank.account;
  theirs text;  -- the clearing accounts' currency (the default when the shard was configured)
BEGIN
  PERFORM pgbank_private.check_not_clearing('create_account', id);
  made := pgbank.create_account(name, lower_limit, id, currency);  -- every check of one node first
  -- A transfer to another shard goes through this shard's clearing account for it, in one
  -- currency: an account in another could not pay or be paid across shards (docs/scaling.md).
  SELECT c.currency INTO theirs FROM users c WHERE pgbank_private.is_clearing(c.id) AND c.currency <> made.currency LIMIT 1;
  IF FOUND THEN  -- the raise takes back the account just made
    RAISE EXCEPTION USING ERRCODE = '0A000',
      MESSAGE = format('create_account: currency %L through a sharded router: only %s accounts can move money between shards', made.currency, theirs),
      HINT = 'the clearing accounts that carry money between shards are in one currency (docs/scaling.md)';
  END IF;
  RETURN made;
END
$$;
COMMENT ON FUNCTION pgbank.shard_create_account(text, numeric, uuid, text) IS
  'Shard side of the router''s create_account(): pgbank.create_account(), refusing clearing-account ids (22023) and a currency other than the clearing accounts'' (0A000)';
REVOKE ALL ON FUNCTION pgbank.shard_create_account(text, numeric, uuid, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pgbank.shard_create_account(text, numeric, uuid, text) TO pgbank_app;
