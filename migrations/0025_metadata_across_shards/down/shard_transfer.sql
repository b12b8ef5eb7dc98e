-- The router's transfer() on a shard: pgbank.transfer() when the payee is here, else the payer's leg of a cross-shard transfer (status in_transit).
CREATE OR REPLACE FUNCTION pgbank.shard_transfer(request_id text, from_account uuid, to_account uuid, amount numeric)
RETURNS pgbank.transfer_result
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pgbank, pg_temp
AS $$
DECLARE
  peer int := pgbank_private.remote_shard(to_account);
BEGIN
  PERFORM pgbank_private.check_not_clearing('transfer', from_account, to_account);
  IF peer IS NULL THEN
    RETURN pgbank.transfer(request_id, from_account, to_account, amount);
  END IF;
  -- The checks of pgbank.transfer(), in its order (to_account is not NULL here).
  PERFORM pgbank_private.check_request_id('transfer', request_id);
  IF from_account IS NULL THEN
    RAISE EXCEPTION USING ERRCODE = '22004', MESSAGE = 'transfer: from_account must not be NULL';
  END IF;
  PERFORM pgbank_private.check_amount('transfer', amount);
  RETURN pgbank_private.send_to_shard(request_id, from_account, to_account, round(amount, 2), peer);
END
$$;
COMMENT ON FUNCTION pgbank.shard_transfer(text, uuid, uuid, numeric) IS
  'Shard side of the router''s transfer(): local when the payee is on this shard, else debits the payer to a clearing account (in_transit) for delivery';
REVOKE ALL ON FUNCTION pgbank.shard_transfer(text, uuid, uuid, numeric) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pgbank.shard_transfer(text, uuid, uuid, numeric) TO pgbank_app;
