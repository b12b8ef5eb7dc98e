-- One idempotent hold: record the request, lock the payer (and payee) in id order, check status and funds, write the attempt.
CREATE OR REPLACE FUNCTION pgbank_private.place_hold(
  request_id text, from_account uuid, to_account uuid, amount numeric, expires_in interval, metadata jsonb DEFAULT NULL)
RETURNS pgbank.hold_result
LANGUAGE plpgsql
AS $$  -- names are schema-qualified: no SET search_path, which costs every call
DECLARE
  payer_id uuid;
  payee_id uuid;
  room    numeric;  -- how far the payer may still go down: balance - held - lower limit (NULL: no limit)
  payer_block text; -- account_frozen / account_closed when the payer takes no debits
  payee_block text; -- ... when the payee takes no credits
  reason  text;
  status  text;
  tx_id   bigint := nextval('pgbank.transactions_id_seq');
  tx_ts   timestamptz := now();
  hold    uuid := gen_random_uuid();
  world   CONSTANT uuid := pgbank_private.world();
BEGIN
  IF from_account = world THEN
    RAISE EXCEPTION USING ERRCODE = '22023',
      MESSAGE = format('hold: from_account %L is the world account', world), HINT = 'money from outside comes in by top_up';
  END IF;
  -- Idempotency first, as in transfer(): a repeat racing this call waits on the request's key.
  INSERT INTO pgbank.requests (account, request_id, kind, expires_in, transaction_ids, ts, hold_id)
  VALUES (from_account, request_id, 'hold', expires_in, ARRAY[tx_id], tx_ts, hold)
  ON CONFLICT ON CONSTRAINT requests_pkey DO NOTHING;
  IF NOT FOUND THEN
    RETURN pgbank_private.replay_one('hold', from_account, request_id, to_account, amount, expires_in);
  END IF;
  -- Lock the accounts in one global order (smaller id first), one row per statement, reading only
  -- what the checks need. The world account is never locked (nor read): it keeps no balance.
  IF to_account < from_account AND to_account <> world THEN
    SELECT u.id, CASE WHEN u.status = 'closed' OR u.status = 'frozen' AND u.credits_frozen THEN 'account_' || u.status END
      INTO payee_id, payee_block FROM pgbank.users u WHERE u.id = to_account FOR UPDATE;
  END IF;
  SELECT u.id, u.balance - u.held - u.lower_limit, CASE WHEN u.status <> 'open' THEN 'account_' || u.status END
    INTO payer_id, room, payer_block FROM pgbank.users u WHERE u.id = from_account FOR UPDATE;
  IF to_account = world THEN
    payee_id := world;
  ELSIF to_account = from_account THEN
    payee_id := payer_id;
  ELSIF to_account > from_account THEN
    SELECT u.id, CASE WHEN u.status = 'closed' OR u.status = 'frozen' AND u.credits_frozen THEN 'account_' || u.status END
      INTO payee_id, payee_block FROM pgbank.users u WHERE u.id = to_account FOR UPDATE;
  END IF;
  reason := CASE WHEN payer_id IS NULL OR payee_id IS NULL THEN 'unknown_account'
                 WHEN from_account = to_account THEN 'same_account'
                 WHEN coalesce(payer_block, payee_block) IS NOT NULL THEN coalesce(payer_block, payee_block)
                 WHEN room < amount THEN 'insufficient_funds'
            END;
  status := CASE WHEN reason IS NULL THEN 'held' ELSE 'failed' END;
  -- The trigger on transactions reserves the funds of a 'held' row.
  INSERT INTO pgbank.transactions (id, ts, sender, receiver, amount, status, reason, metadata)
  VALUES (tx_id, tx_ts, from_account, to_account, amount, status, reason, place_hold.metadata);
  IF reason IS NOT NULL THEN  -- a failed hold has no hold nor deadline (as its replay says)
    RETURN (NULL::uuid, status, reason, request_id, tx_id, tx_ts, from_account, to_account, amount, NULL::numeric, NULL::timestamptz, false);
  END IF;
  INSERT INTO pgbank.holds (account, id, request_id, receiver, amount, expires_at, transaction_id, ts)
  VALUES (from_account, hold, request_id, to_account, amount, tx_ts + expires_in, tx_id, tx_ts);
  RETURN (hold, status, reason, request_id, tx_id, tx_ts, from_account, to_account, amount, NULL::numeric, tx_ts + expires_in, false);
END
$$;
COMMENT ON FUNCTION pgbank_private.place_hold(text, uuid, uuid, numeric, interval, jsonb) IS
  'Helper: performs (or replays) one hold: records the request, locks in account-id order, checks status and funds, writes the attempt';
