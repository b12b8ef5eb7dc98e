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
  -- An attempt: the row's trigger locks, checks and moves each account in one statement, and
  -- writes the row as 'success' or 'failed' with its reason.
  INSERT INTO pgbank.transactions (id, ts, sender, receiver, amount, status, metadata)
  VALUES (tx_id, tx_ts, from_account, to_account, amount, 'init', transfer.metadata)
  RETURNING transactions.status, transactions.reason, transactions.amount INTO status, reason, amount;
  RETURN (request_id, status, reason, tx_id, tx_ts, from_account, to_account, amount, false);
END
$$;
COMMENT ON FUNCTION pgbank.transfer(text, uuid, uuid, numeric, jsonb) IS
  'Transfer amount from one account to another, idempotent per (from_account, request_id); status success or failed with a reason; metadata (a JSON object) is kept with the ledger row';
REVOKE ALL ON FUNCTION pgbank.transfer(text, uuid, uuid, numeric, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pgbank.transfer(text, uuid, uuid, numeric, jsonb) TO pgbank_app;
