-- One idempotent money movement (transfer, top-up or hold): lock, check, record the attempt, return its outcome.
CREATE OR REPLACE FUNCTION pgbank_private.transfer_one(
  kind text, request_id text, from_account uuid, to_account uuid, amount numeric, expires_in interval DEFAULT NULL)
RETURNS pgbank.hold_result
LANGUAGE plpgsql
AS $$  -- names are schema-qualified: no SET search_path, which costs every call
DECLARE
  payer_id uuid;
  payee_id uuid;
  room    numeric;  -- how far the payer may still go down: balance - held - lower limit (NULL: no limit)
  payee_balance numeric;
  req     pgbank.requests;
  reason  text;
  status  text;
  tx_id   bigint;
  tx_ts   timestamptz := now();
  hold    uuid;
  owner   uuid;
  world   CONSTANT uuid := pgbank_private.world();
BEGIN
  -- Only a top-up pays from the world, and never to it: a request is keyed by the account that
  -- pays (for a top-up, the one topped up), which must be a real one.
  IF (from_account = world) <> (kind = 'top_up') OR (kind = 'top_up' AND to_account = world) THEN
    RAISE EXCEPTION USING ERRCODE = '22023',
      MESSAGE = format('%s: %s %L is the world account', kind, CASE WHEN kind = 'top_up' THEN 'account' ELSE 'from_account' END, world),
      HINT = 'money from outside comes in by top_up';
  END IF;
  -- Lock the accounts in one global order (smaller id first), one row per statement, reading only
  -- what the checks need. The world account is never locked (nor read): it keeps no balance, so
  -- top-ups don't queue on one row, and the first ledger migration made it.
  IF to_account < from_account AND to_account <> world THEN  -- the payee's id comes first
    SELECT u.id, u.balance INTO payee_id, payee_balance FROM pgbank.users u WHERE u.id = to_account FOR UPDATE;
  END IF;
  IF from_account = world THEN
    payer_id := world;
  ELSE
    SELECT u.id, u.balance - u.held - u.lower_limit INTO payer_id, room FROM pgbank.users u WHERE u.id = from_account FOR UPDATE;
  END IF;
  IF to_account = world THEN
    payee_id := world;
  ELSIF to_account = from_account THEN
    payee_id := payer_id;
  ELSIF to_account > from_account THEN  -- the payer's id came first (always so for a top-up: the world's id is the smallest)
    SELECT u.id, u.balance INTO payee_id, payee_balance FROM pgbank.users u WHERE u.id = to_account FOR UPDATE;
  END IF;
  -- A request belongs to the account that pays (for a top-up: the account topped up).
  owner := CASE WHEN from_account = world THEN to_account ELSE from_account END;
  IF (CASE WHEN owner = from_account THEN payer_id ELSE payee_id END) IS NULL THEN
    -- No account row to queue on: repeats of this request queue on its key instead.
    PERFORM pg_advisory_xact_lock(hashtextextended(owner::text || '/' || request_id, 0));
  END IF;

  reason := CASE WHEN payer_id IS NULL OR payee_id IS NULL THEN 'unknown_account'
                 WHEN from_account = to_account THEN 'same_account'
                 WHEN room < amount THEN 'insufficient_funds'
            END;
  status := CASE WHEN reason IS NOT NULL THEN 'failed' WHEN kind = 'hold' THEN 'held' ELSE 'success' END;
  tx_id := nextval('pgbank.transactions_id_seq');
  hold := CASE WHEN status = 'held' THEN gen_random_uuid() END;

  -- Idempotency: the request is recorded first. Requests of one account run one at a time (the
  -- locks above), so a repeat finds the first one committed, and replays its outcome.
  INSERT INTO pgbank.requests (account, request_id, kind, to_accounts, amounts, expires_in, status, reason, transaction_ids, ts, hold_id)
  VALUES (owner, request_id, kind, ARRAY[to_account], ARRAY[amount], expires_in,
          CASE WHEN reason IS NULL THEN 'success' ELSE 'failed' END, reason, ARRAY[tx_id], tx_ts, hold)
  ON CONFLICT ON CONSTRAINT requests_pkey DO NOTHING;
  IF NOT FOUND THEN
    SELECT * INTO req FROM pgbank.requests r WHERE r.account = owner AND r.request_id = transfer_one.request_id;
    PERFORM pgbank_private.replay_request(req, kind, ARRAY[to_account], ARRAY[amount], expires_in);
    RETURN pgbank_private.request_outcome(req);
  END IF;

  IF status = 'success' AND payee_balance > pgbank_private.max_balance() - amount THEN
    RAISE EXCEPTION USING ERRCODE = '22023',
      MESSAGE = format('%s: amount %s would take the balance of account %L past %s', kind, amount, to_account, pgbank_private.max_balance()),
      HINT = 'a balance is at most 999,999,999,999,999,999.99';
  END IF;
  -- The triggers on transactions move the balances (success) or reserve the funds (held).
  INSERT INTO pgbank.transactions (id, ts, sender, receiver, amount, status, reason)
  VALUES (tx_id, tx_ts, from_account, to_account, amount, status, reason);
  IF hold IS NOT NULL THEN
    INSERT INTO pgbank.holds (account, id, request_id, receiver, amount, expires_at, transaction_id, ts)
    VALUES (from_account, hold, request_id, to_account, amount, tx_ts + expires_in, tx_id, tx_ts);
  END IF;
  RETURN (hold, status, reason, request_id, tx_id, tx_ts, from_account, to_account, amount, NULL::numeric,
          CASE WHEN hold IS NOT NULL THEN tx_ts + expires_in END, false);  -- a failed hold has no deadline (as its replay says)
END
$$;
COMMENT ON FUNCTION pgbank_private.transfer_one(text, text, uuid, uuid, numeric, interval) IS
  'Helper: performs (or replays) one transfer, top-up or hold: locks in account-id order, checks funds, records the attempt';
