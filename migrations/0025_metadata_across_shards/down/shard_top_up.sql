-- The router's top_up() on a shard: pgbank.top_up(), refusing a clearing account.
CREATE OR REPLACE FUNCTION pgbank.shard_top_up(request_id text, account uuid, amount numeric)
RETURNS pgbank.transfer_result
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pgbank, pg_temp
AS $$
BEGIN
  PERFORM pgbank_private.check_not_clearing('top_up', account);
  RETURN pgbank.top_up(request_id, account, amount);
END
$$;
COMMENT ON FUNCTION pgbank.shard_top_up(text, uuid, numeric) IS
  'Shard side of the router''s top_up(): pgbank.top_up(), refusing clearing accounts (22023)';
REVOKE ALL ON FUNCTION pgbank.shard_top_up(text, uuid, numeric) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pgbank.shard_top_up(text, uuid, numeric) TO pgbank_app;
