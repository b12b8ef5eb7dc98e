-- Moves money between two accounts, exactly once per (paying account, request_id); a business failure is a 'failed' result, recorded.
CREATE OR REPLACE FUNCTION pgbank.transfer(request_id text, from_account uuid, to_account uuid, amount numeric, metadata jsonb DEFAULT NULL)
RETURNS pgbank.transfer_result
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pgbank, pg_temp
AS $$
DECLARE
  tx_id       bigint;
  tx_ts       timestamptz := now();
  outcome     text;
  why         text;
  r           pgbank.hold_result;
  cur         text;      -- the first account's currency, read with its lock
  units       smallint;  -- its minor units: the amount is moved and stored with as many decimals
  low_version bigint;    -- the first account's version when it was locked
  moved       int;       -- accounts the two-account statement moved
  moved_one   uuid;      -- the account it moved when it moved one
BEGIN
  -- The hot path: every check inline; the helpers only run to name what is wrong.
  IF request_id IS NULL OR request_id = '' OR length(request_id) > 200 THEN
    PERFORM pgbank_private.check_request_id('transfer', request_id);
  END IF;
  IF from_account IS NULL OR to_account IS NULL THEN
    RAISE EXCEPTION USING ERRCODE = '22004', MESSAGE = format('transfer: %s must not be NULL',
      concat_ws(', ', CASE WHEN from_account IS NULL THEN 'from_account' END, CASE WHEN to_account IS NULL THEN 'to_account' END));
  END IF;
  IF amount IS NULL OR NOT (amount > 0 AND amount <= 999999999999999.99) OR (scale(amount) > 4 AND amount <> round(amount, 4)) THEN
    PERFORM pgbank_private.check_money('transfer', amount);
  END IF;
  IF metadata IS NOT NULL THEN
    PERFORM pgbank_private.check_metadata('transfer', metadata);
  END IF;
  IF from_account = '00000000-0000-0000-0000-000000000000' THEN
    RAISE EXCEPTION USING ERRCODE = '22023',
      MESSAGE = format('transfer: from_account %L is the world account', from_account), HINT = 'money from outside comes in by top_up';
  END IF;
  IF scale(amount) > 4 THEN  -- '1.0000000000': the same amount; the trigger stores it with its currency's decimals
    amount := round(amount, 4);
  END IF;
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
  -- The usual case, two accounts: the first in id order is locked (its currency read with it),
  -- then one UPDATE locks the second, checks both and moves both, and the ledger row goes in
  -- decided, marked writer_moved so its trigger stays out. Otherwise (the other moved fewer than
  -- two: taken back) the row goes in as an attempt ('init') and its trigger decides it the careful
  -- way, naming the reason; the first account is already ours, so the id order still holds.
  IF from_account <> to_account AND to_account <> '00000000-0000-0000-0000-000000000000' THEN
    SELECT u.currency, u.minor_units, u.version INTO cur, units, low_version
      FROM pgbank.users u WHERE u.id = least(from_account, to_account) FOR UPDATE;
    IF FOUND AND amount = round(amount, units) THEN
      IF scale(amount) <> units THEN
        amount := round(amount, units);
      END IF;
      UPDATE pgbank.users u
         SET balance = u.balance + CASE WHEN u.id = from_account THEN -amount ELSE amount END,
             day_sent = u.day_sent + CASE WHEN u.id = from_account THEN amount ELSE 0 END,
             day_received = u.day_received + CASE WHEN u.id = from_account THEN 0 ELSE amount END,
             version = u.version + 1, modified_at = now()
       WHERE u.id = ANY (ARRAY[from_account, to_account]) AND u.totals_day = (tx_ts AT TIME ZONE 'UTC')::date AND u.currency = cur
         AND CASE WHEN u.id = from_account THEN u.status = 'open' AND (u.balance - u.held - amount >= u.lower_limit OR u.lower_limit IS NULL)
                  ELSE u.balance <= 999999999999999999.99 - amount AND (u.status = 'open' OR (u.status = 'frozen' AND NOT u.credits_frozen)) END;
      GET DIAGNOSTICS moved = ROW_COUNT;
      IF moved = 2 THEN
        INSERT INTO pgbank.transactions (id, ts, sender, receiver, amount, status, metadata, writer_moved)
        VALUES (tx_id, tx_ts, from_account, to_account, amount, 'success', transfer.metadata, true);
        RETURN (request_id, 'success'::text, NULL::text, tx_id, tx_ts, from_account, to_account, amount, false);
      END IF;
      IF moved = 1 THEN  -- one account moved: take it back (its row is ours either way)
        moved_one := CASE WHEN (SELECT u.version FROM pgbank.users u WHERE u.id = least(from_account, to_account)) > low_version
                          THEN least(from_account, to_account) ELSE greatest(from_account, to_account) END;
        PERFORM pgbank_private.take_back(moved_one, CASE WHEN moved_one = from_account THEN amount ELSE 0 END,
                                         CASE WHEN moved_one = from_account THEN 0 ELSE amount END, tx_ts);
      END IF;
    END IF;
  END IF;
  INSERT INTO pgbank.transactions (id, ts, sender, receiver, amount, status, metadata)
  VALUES (tx_id, tx_ts, from_account, to_account, amount, 'init', transfer.metadata)
  RETURNING transactions.status, transactions.reason, transactions.amount INTO outcome, why, amount;
  RETURN (request_id, outcome, why, tx_id, tx_ts, from_account, to_account, amount, false);
END
$$;
COMMENT ON FUNCTION pgbank.transfer(text, uuid, uuid, numeric, jsonb) IS
  'Transfer amount from one account to another, idempotent per (from_account, request_id); status success or failed with a reason; metadata (a JSON object) is kept with the ledger row';
REVOKE ALL ON FUNCTION pgbank.transfer(text, uuid, uuid, numeric, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pgbank.transfer(text, uuid, uuid, numeric, jsonb) TO pgbank_app;
