-- Moves money back from a transaction's receiver to its sender (all or part), linked to it, once per (paying account, request_id); never more than the original in all.
CREATE OR REPLACE FUNCTION pgbank.reverse(request_id text, transaction_id bigint, amount numeric DEFAULT NULL, metadata jsonb DEFAULT NULL)
RETURNS pgbank.reverse_result
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pgbank, pg_temp
AS $$
DECLARE
  world   CONSTANT uuid := pgbank_private.world();
  o       transactions;  -- the original
  payer   uuid;          -- the original's receiver pays back ...
  payee   uuid;          -- ... its sender
  owner   uuid;          -- the request's key: the paying account (the payee when the world pays)
  room    numeric;       -- how far the payer may still go down (NULL: no limit)
  payee_balance numeric;
  code    text;          -- the accounts' currency (the original's)
  units   smallint;      -- its minor units
  req     requests;
  state   reversals;
  wanted  numeric;
  reason  text;
  tx_id   bigint;
  tx_ts   timestamptz := now();
BEGIN
  PERFORM pgbank_private.check_request_id('reverse', request_id);
  IF transaction_id IS NULL THEN
    RAISE EXCEPTION USING ERRCODE = '22004', MESSAGE = 'reverse: transaction_id must not be NULL';
  END IF;
  IF amount IS NOT NULL THEN
    PERFORM pgbank_private.check_money('reverse', amount);
    IF scale(amount) > 4 THEN  -- the same amount; checked below against the currency's decimals
      amount := round(amount, 4);
    END IF;
  END IF;
  PERFORM pgbank_private.check_metadata('reverse', metadata);

  o := pgbank_private.find_transaction(transaction_id);
  IF o.id IS NULL THEN
    RAISE EXCEPTION USING ERRCODE = 'P0002', MESSAGE = format('reverse: unknown transaction %s', transaction_id);
  ELSIF o.reverses IS NOT NULL THEN
    RAISE EXCEPTION USING ERRCODE = 'PB004',
      MESSAGE = format('reverse: transaction %s is a reversal (of transaction %s) and cannot be reversed', transaction_id, o.reverses),
      HINT = 'to undo a reversal, transfer the money again';
  ELSIF o.status <> 'success' THEN
    RAISE EXCEPTION USING ERRCODE = 'PB004',
      MESSAGE = format('reverse: transaction %s is %s, only an effective (success) transaction can be reversed', transaction_id, o.status),
      HINT = CASE WHEN o.status = 'held' THEN 'a hold is undone by void_hold' ELSE 'nothing moved, so there is nothing to take back' END;
  ELSIF amount > o.amount THEN
    RAISE EXCEPTION USING ERRCODE = '22023',
      MESSAGE = format('reverse: amount %s is more than the %s of transaction %s', amount, o.amount, transaction_id);
  END IF;

  payer := o.receiver;
  payee := o.sender;
  owner := CASE WHEN payer = world THEN payee ELSE payer END;
  -- Both accounts, in the order every transfer locks them; every reversal of one transaction
  -- locks the same two, so they run one at a time, and so do the requests of the paying account.
  PERFORM pgbank_private.lock_accounts(payer, payee);
  SELECT u.balance - u.held - u.lower_limit, u.currency, u.minor_units INTO room, code, units FROM users u WHERE u.id = payer AND u.id <> world;
  SELECT u.balance INTO payee_balance FROM users u WHERE u.id = payee;
  IF payer = world THEN  -- a withdrawal reversed: the payee's currency
    SELECT u.currency, u.minor_units INTO code, units FROM users u WHERE u.id = payee;
  END IF;
  IF amount <> round(amount, units) THEN
    RAISE EXCEPTION USING ERRCODE = '22023',
      MESSAGE = format('reverse: amount %s has more decimals than %s allows (%s)', amount, code, units),
      HINT = 'an amount has at most its currency''s minor units: JPY 0, USD 2, BHD 3';
  END IF;
  amount := round(amount, units);

  SELECT * INTO req FROM requests r WHERE r.account = owner AND r.request_id = reverse.request_id;
  IF FOUND THEN  -- a repeat: its first outcome, or PB001 when it asks for something else
    IF req.kind <> 'reverse' OR req.reverses IS DISTINCT FROM transaction_id OR amount <> req.amounts[1] THEN
      RAISE EXCEPTION USING ERRCODE = 'PB001',
        MESSAGE = format('request_id %s of account %L was already used with other parameters', pgbank_private.shown(req.request_id), req.account),
        DETAIL = left(format('first: %s%s to %s of %s; now: reverse transaction %s of %s', req.kind,
                             coalesce(' transaction ' || req.reverses, ''), req.to_accounts, req.amounts, transaction_id, coalesce(amount::text, 'all')), 500),
        HINT = 'use a new request_id for a new request';
    END IF;
    RETURN (req.request_id::text, req.status::text, req.reason, req.transaction_ids[1], req.ts,
            CASE WHEN owner = payee THEN world ELSE owner END, req.to_accounts[1], req.amounts[1], req.reverses, true)::reverse_result;
  END IF;

  INSERT INTO reversals (transaction_id, ts, sender, receiver, amount)
  VALUES (o.id, o.ts, o.sender, o.receiver, o.amount)
  ON CONFLICT ON CONSTRAINT reversals_pkey DO NOTHING;
  SELECT * INTO state FROM reversals r WHERE r.transaction_id = o.id FOR UPDATE;
  wanted := coalesce(amount, o.amount - state.reversed);
  reason := CASE WHEN wanted = 0 OR wanted > o.amount - state.reversed THEN 'already_reversed'
                 WHEN room < wanted THEN 'insufficient_funds' END;  -- room is NULL for the world: it always can
  IF wanted = 0 THEN
    wanted := o.amount;  -- all of it was asked for, and none is left: the failed row names the whole
  END IF;
  IF reason IS NULL AND payee_balance > pgbank_private.max_balance() - wanted THEN
    RAISE EXCEPTION USING ERRCODE = '22023',
      MESSAGE = format('reverse: amount %s would take the balance of account %L past %s', wanted, payee, pgbank_private.max_balance()),
      HINT = 'a balance is at most 999,999,999,999,999,999.99';
  END IF;

  tx_id := nextval('pgbank.transactions_id_seq');
  INSERT INTO requests (account, request_id, kind, to_accounts, amounts, status, reason, transaction_ids, ts, reverses)
  VALUES (owner, request_id, 'reverse', ARRAY[payee], ARRAY[wanted], CASE WHEN reason IS NULL THEN 'success' ELSE 'failed' END,
          reason, ARRAY[tx_id], tx_ts, o.id);
  -- The triggers on transactions move the balances of a 'success' row.
  INSERT INTO transactions (id, ts, sender, receiver, amount, status, reason, metadata, reverses)
  VALUES (tx_id, tx_ts, payer, payee, wanted, CASE WHEN reason IS NULL THEN 'success' ELSE 'failed' END, reason, reverse.metadata, o.id);
  IF reason IS NULL THEN
    UPDATE reversals r SET reversed = r.reversed + wanted, reversal_ids = r.reversal_ids || tx_id WHERE r.transaction_id = o.id;
  END IF;
  RETURN (request_id, CASE WHEN reason IS NULL THEN 'success' ELSE 'failed' END, reason, tx_id, tx_ts,
          payer, payee, wanted, o.id, false)::reverse_result;
END
$$;
COMMENT ON FUNCTION pgbank.reverse(text, bigint, numeric, jsonb) IS
  'Take back all or part of an effective transaction (its receiver pays its sender), linked to it, idempotent per (paying account, request_id); status success or failed (already_reversed, insufficient_funds)';
REVOKE ALL ON FUNCTION pgbank.reverse(text, bigint, numeric, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pgbank.reverse(text, bigint, numeric, jsonb) TO pgbank_app;
