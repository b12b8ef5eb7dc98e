-- The payer's leg of a cross-shard transfer: payer -> clearing account of the payee's shard plus an outbox row, in one local transaction, once per (payer, request_id).
CREATE OR REPLACE FUNCTION pgbank_private.send_to_shard(request_id text, from_account uuid, to_account uuid, amount numeric, peer int)
RETURNS pgbank.transfer_result
LANGUAGE plpgsql
SET search_path = pgbank, pg_temp
AS $$
DECLARE
  payer_id uuid;
  room     numeric;  -- balance - held - lower limit (NULL: no limit)
  reason   text;
  req      requests;
  tx_id    bigint;
  tx_ts    timestamptz := now();
BEGIN
  IF from_account = pgbank_private.world() THEN  -- as transfer_one says it
    RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = format('transfer: from_account %L is the world account', from_account),
      HINT = 'money from outside comes in by top_up';
  END IF;
  -- The payer first, then (by the trigger) the clearing account, whose id is greater than any
  -- account's: the same global order as every other lock on a shard.
  SELECT u.id, u.balance - u.held - u.lower_limit INTO payer_id, room FROM users u WHERE u.id = from_account FOR UPDATE;
  IF payer_id IS NULL THEN  -- no row to queue on: repeats queue on the request's key
    PERFORM pg_advisory_xact_lock(hashtextextended(from_account::text || '/' || request_id, 0));
  END IF;
  reason := CASE WHEN payer_id IS NULL THEN 'unknown_account' WHEN room < amount THEN 'insufficient_funds' END;
  tx_id := nextval('pgbank.transactions_id_seq');

  INSERT INTO requests (account, request_id, kind, to_accounts, amounts, status, reason, transaction_ids, ts)
  VALUES (from_account, request_id, 'transfer', ARRAY[to_account], ARRAY[amount],
          CASE WHEN reason IS NULL THEN 'success' ELSE 'failed' END, reason, ARRAY[tx_id], tx_ts)
  ON CONFLICT ON CONSTRAINT requests_pkey DO NOTHING;
  IF NOT FOUND THEN  -- a repeat: its first outcome, with where the money is now
    SELECT * INTO req FROM requests r WHERE r.account = from_account AND r.request_id = send_to_shard.request_id;
    PERFORM pgbank_private.replay_request(req, 'transfer', ARRAY[to_account], ARRAY[amount], NULL);
    RETURN pgbank_private.shard_request_outcome(req);
  END IF;

  -- A failed attempt is recorded naming the payee, as on one node; money moves to the clearing account.
  INSERT INTO transactions (id, ts, sender, receiver, amount, status, reason)
  VALUES (tx_id, tx_ts, from_account, CASE WHEN reason IS NULL THEN pgbank_private.clearing_account(peer) ELSE to_account END,
          amount, CASE WHEN reason IS NULL THEN 'success' ELSE 'failed' END, reason);
  IF reason IS NULL THEN
    INSERT INTO shard_outbox (account, request_id, to_account, to_shard, amount, transaction_id, ts)
    VALUES (from_account, request_id, to_account, peer, amount, tx_id, tx_ts);
  END IF;
  RETURN (request_id, CASE WHEN reason IS NULL THEN 'in_transit' ELSE 'failed' END, reason, tx_id, tx_ts,
          from_account, to_account, amount, false)::transfer_result;
END
$$;
COMMENT ON FUNCTION pgbank_private.send_to_shard(text, uuid, uuid, numeric, int) IS
  'Helper: the payer leg of a cross-shard transfer (payer -> clearing account of shard peer, outbox row), idempotent per (payer, request_id); status in_transit or failed';
