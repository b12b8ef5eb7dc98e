-- transfer(), top_up() and hold() take an optional metadata (a JSON object of at most 4,096 bytes,
-- pgbank_private.check_metadata), kept in the ledger row's metadata column (migration 0018) and
-- shown by history(). A parameter changes a function's signature: the old ones are dropped and
-- the new ones made here, as they were at this migration (the functions step keeps them current),
-- so no moment is without them. A repeat keeps the first call's metadata (replays compare the
-- money, not the notes).

-- Up Migration
DROP FUNCTION IF EXISTS pgbank.transfer(text, uuid, uuid, numeric);  -- (a fresh install makes them in its functions step)
DROP FUNCTION IF EXISTS pgbank.top_up(text, uuid, numeric);
DROP FUNCTION IF EXISTS pgbank.hold(text, uuid, uuid, numeric, interval);
DROP FUNCTION IF EXISTS pgbank_private.place_hold(text, uuid, uuid, numeric, interval);

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

-- Moves money between two accounts, exactly once per (paying account, request_id); a business failure is a 'failed' result, recorded.
CREATE OR REPLACE FUNCTION pgbank.transfer(request_id text, from_account uuid, to_account uuid, amount numeric, metadata jsonb DEFAULT NULL)
RETURNS pgbank.transfer_result
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pgbank, pg_temp
AS $$
DECLARE
  tx_id  bigint;
  tx_ts  timestamptz := now();
  status text;
  reason text;
  r      pgbank.hold_result;
BEGIN
  -- The hot path: every check inline; the helpers only run to name what is wrong.
  IF request_id IS NULL OR request_id = '' OR length(request_id) > 200 THEN
    PERFORM pgbank_private.check_request_id('transfer', request_id);
  END IF;
  IF from_account IS NULL OR to_account IS NULL THEN
    RAISE EXCEPTION USING ERRCODE = '22004', MESSAGE = format('transfer: %s must not be NULL',
      concat_ws(', ', CASE WHEN from_account IS NULL THEN 'from_account' END, CASE WHEN to_account IS NULL THEN 'to_account' END));
  END IF;
  IF amount IS NULL OR NOT (amount >= 0.01 AND amount <= 999999999999999.99) OR (scale(amount) > 2 AND amount <> round(amount, 2)) THEN
    PERFORM pgbank_private.check_amount('transfer', amount);
  END IF;
  IF metadata IS NOT NULL THEN
    PERFORM pgbank_private.check_metadata('transfer', metadata);
  END IF;
  IF from_account = '00000000-0000-0000-0000-000000000000' THEN
    RAISE EXCEPTION USING ERRCODE = '22023',
      MESSAGE = format('transfer: from_account %L is the world account', from_account), HINT = 'money from outside comes in by top_up';
  END IF;
  amount := round(amount, 2);  -- stored and returned with exactly 2 decimals, whatever scale was sent
  tx_id := nextval('pgbank.transactions_id_seq');
  -- Idempotency: the request is recorded first; a repeat racing this call waits here until it
  -- commits, then replays its outcome (read back from its ledger row).
  INSERT INTO pgbank.requests (account, request_id, kind, transaction_ids, ts)
  VALUES (from_account, request_id, 'transfer', ARRAY[tx_id], tx_ts)
  ON CONFLICT ON CONSTRAINT requests_pkey DO NOTHING;
  IF NOT FOUND THEN
    r := pgbank_private.replay_one('transfer', from_account, request_id, to_account, amount, NULL);
    RETURN (r.request_id, r.status, r.reason, r.transaction_id, r.ts, r.from_account, r.to_account, r.amount, r.replayed);
  END IF;
  -- An attempt: the row's trigger locks, checks and moves each account in one statement, and
  -- writes the row as 'success' or 'failed' with its reason.
  INSERT INTO pgbank.transactions (id, ts, sender, receiver, amount, status, metadata)
  VALUES (tx_id, tx_ts, from_account, to_account, amount, 'init', transfer.metadata)
  RETURNING transactions.status, transactions.reason INTO status, reason;
  RETURN (request_id, status, reason, tx_id, tx_ts, from_account, to_account, amount, false);
END
$$;
COMMENT ON FUNCTION pgbank.transfer(text, uuid, uuid, numeric, jsonb) IS
  'Transfer amount from one account to another, idempotent per (from_account, request_id); status success or failed with a reason; metadata (a JSON object) is kept with the ledger row';
REVOKE ALL ON FUNCTION pgbank.transfer(text, uuid, uuid, numeric, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pgbank.transfer(text, uuid, uuid, numeric, jsonb) TO pgbank_app;

-- Adds money from outside (the world account) to an account, exactly once per (account, request_id).
CREATE OR REPLACE FUNCTION pgbank.top_up(request_id text, account uuid, amount numeric, metadata jsonb DEFAULT NULL)
RETURNS pgbank.transfer_result
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pgbank, pg_temp
AS $$
DECLARE
  tx_id  bigint;
  tx_ts  timestamptz := now();
  status text;
  reason text;
  r      pgbank.hold_result;
BEGIN
  IF request_id IS NULL OR request_id = '' OR length(request_id) > 200 THEN
    PERFORM pgbank_private.check_request_id('top_up', request_id);
  END IF;
  IF account IS NULL THEN
    RAISE EXCEPTION USING ERRCODE = '22004', MESSAGE = 'top_up: account must not be NULL';
  END IF;
  IF amount IS NULL OR NOT (amount >= 0.01 AND amount <= 999999999999999.99) OR (scale(amount) > 2 AND amount <> round(amount, 2)) THEN
    PERFORM pgbank_private.check_amount('top_up', amount);
  END IF;
  IF metadata IS NOT NULL THEN
    PERFORM pgbank_private.check_metadata('top_up', metadata);
  END IF;
  IF account = '00000000-0000-0000-0000-000000000000' THEN
    RAISE EXCEPTION USING ERRCODE = '22023',
      MESSAGE = format('top_up: account %L is the world account', account), HINT = 'money from outside comes in by top_up';
  END IF;
  amount := round(amount, 2);  -- stored and returned with exactly 2 decimals, whatever scale was sent
  tx_id := nextval('pgbank.transactions_id_seq');
  -- A top-up's request belongs to the account topped up; recorded first, as in transfer().
  INSERT INTO pgbank.requests (account, request_id, kind, transaction_ids, ts)
  VALUES (account, request_id, 'top_up', ARRAY[tx_id], tx_ts)
  ON CONFLICT ON CONSTRAINT requests_pkey DO NOTHING;
  IF NOT FOUND THEN
    r := pgbank_private.replay_one('top_up', account, request_id, account, amount, NULL);
    RETURN (r.request_id, r.status, r.reason, r.transaction_id, r.ts, r.from_account, r.to_account, r.amount, r.replayed);
  END IF;
  INSERT INTO pgbank.transactions (id, ts, sender, receiver, amount, status, metadata)
  VALUES (tx_id, tx_ts, '00000000-0000-0000-0000-000000000000', account, amount, 'init', top_up.metadata)
  RETURNING transactions.status, transactions.reason INTO status, reason;
  RETURN (request_id, status, reason, tx_id, tx_ts, '00000000-0000-0000-0000-000000000000'::uuid, account, amount, false);
END
$$;
COMMENT ON FUNCTION pgbank.top_up(text, uuid, numeric, jsonb) IS
  'Top up an account from outside (the world account), idempotent per (account, request_id); metadata (a JSON object) is kept with the ledger row';
REVOKE ALL ON FUNCTION pgbank.top_up(text, uuid, numeric, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pgbank.top_up(text, uuid, numeric, jsonb) TO pgbank_app;

-- Reserves funds for a later transfer (two-phase): available balance drops now; post_hold or void_hold finishes it, or it expires.
CREATE OR REPLACE FUNCTION pgbank.hold(request_id text, from_account uuid, to_account uuid, amount numeric, expires_in interval, metadata jsonb DEFAULT NULL)
RETURNS pgbank.hold_result
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pgbank, pg_temp
AS $$
BEGIN
  PERFORM pgbank_private.check_request_id('hold', request_id);
  IF from_account IS NULL OR to_account IS NULL OR expires_in IS NULL THEN
    RAISE EXCEPTION USING ERRCODE = '22004', MESSAGE = format('hold: %s must not be NULL',
      concat_ws(', ', CASE WHEN from_account IS NULL THEN 'from_account' END, CASE WHEN to_account IS NULL THEN 'to_account' END,
                      CASE WHEN expires_in IS NULL THEN 'expires_in' END));
  END IF;
  PERFORM pgbank_private.check_amount('hold', amount);
  PERFORM pgbank_private.check_metadata('hold', metadata);
  amount := round(amount, 2);  -- stored and returned with exactly 2 decimals, whatever scale was sent
  -- The deadline decides, not the interval's parts: '1000000 months -29999990 days' compares as 10
  -- days but ends in the year 3223. Parts too large to add to now() are refused first.
  IF abs(extract(year FROM expires_in)) > 1 OR abs(extract(day FROM expires_in)) > 400
     OR abs(extract(epoch FROM expires_in - date_trunc('day', expires_in))) > 400 * 86400
     OR now() + expires_in <= now() OR now() + expires_in > now() + interval '366 days' THEN
    RAISE EXCEPTION USING ERRCODE = '22023',
      MESSAGE = format('hold: expires_in %s must end after now and at most 366 days from now', pgbank_private.shown(expires_in::text));
  END IF;
  RETURN pgbank_private.place_hold(request_id, from_account, to_account, amount, expires_in, metadata);
END
$$;
COMMENT ON FUNCTION pgbank.hold(text, uuid, uuid, numeric, interval, jsonb) IS
  'Reserve amount from one account for another until expires_in passes, idempotent per (from_account, request_id); status held or failed; metadata (a JSON object) is kept with the ledger row';
REVOKE ALL ON FUNCTION pgbank.hold(text, uuid, uuid, numeric, interval, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pgbank.hold(text, uuid, uuid, numeric, interval, jsonb) TO pgbank_app;
