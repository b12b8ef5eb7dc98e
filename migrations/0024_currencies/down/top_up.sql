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
