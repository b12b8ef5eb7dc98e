-- The router catches up with the single node (issue 16): transfer(), top_up() and hold() through
-- the router take metadata (migration 0023 gave it to the single node). A cross-shard transfer
-- keeps it in its outbox row, so the delivery writes it on the payee's credit (and on a return).
-- The shard functions whose signatures grow a metadata parameter (shard_top_up, shard_transfer,
-- shard_hold; the helpers send_to_shard, shard_receive) and shard_outbox_pending, whose result
-- grows a column, are dropped and made again here, as they are at this migration (the functions
-- step keeps them current), so no moment is without them. Indexes let history() through the router
-- name the other party of a cross-shard movement instead of the clearing account; shard_config
-- remembers which ids a shard drew before it had its own range, for reverse() through the router.

-- Up Migration
ALTER TABLE pgbank.shard_outbox ADD COLUMN metadata jsonb;
COMMENT ON COLUMN pgbank.shard_outbox.metadata IS 'The transfer''s metadata, written on the payee''s credit (or the payer''s return) too';
CREATE INDEX shard_outbox_transaction_idx ON pgbank.shard_outbox (transaction_id);
CREATE INDEX shard_outbox_return_idx ON pgbank.shard_outbox (return_transaction_id) WHERE return_transaction_id IS NOT NULL;
CREATE INDEX shard_inbox_transaction_idx ON pgbank.shard_inbox (transaction_id) WHERE transaction_id IS NOT NULL;
-- Each shard draws its transaction ids from its own range (pgbank_private.shard_configure); ids
-- it holds below that range (drawn before, or copied by a split) are 1 … older_ids_up_to.
ALTER TABLE pgbank.shard_config ADD COLUMN older_ids_up_to bigint NOT NULL DEFAULT 0;
COMMENT ON COLUMN pgbank.shard_config.older_ids_up_to IS
  'Transaction ids this shard may hold below its own range (drawn before the range, or a split''s copied rows): 1 to this';

DROP FUNCTION IF EXISTS pgbank.shard_top_up(text, uuid, numeric);  -- (a fresh install makes them in its functions step)
DROP FUNCTION IF EXISTS pgbank.shard_transfer(text, uuid, uuid, numeric);
DROP FUNCTION IF EXISTS pgbank.shard_hold(text, uuid, uuid, numeric, interval);
DROP FUNCTION IF EXISTS pgbank_private.send_to_shard(text, uuid, uuid, numeric, int);
DROP FUNCTION IF EXISTS pgbank_private.shard_receive(int, uuid[], text[], uuid[], numeric[]);
DROP FUNCTION IF EXISTS pgbank_private.shard_outbox_pending(int);

-- The payer's leg of a cross-shard transfer: payer -> clearing account of the payee's shard plus an outbox row, in one local transaction, once per (payer, request_id).
CREATE OR REPLACE FUNCTION pgbank_private.send_to_shard(
  request_id text, from_account uuid, to_account uuid, amount numeric, peer int, metadata jsonb DEFAULT NULL)
RETURNS pgbank.transfer_result
LANGUAGE plpgsql
SET search_path = pgbank, pg_temp
AS $$
DECLARE
  payer_id uuid;
  room     numeric;  -- balance - held - lower limit (NULL: no limit)
  blocked  text;     -- account_frozen / account_closed when the payer takes no debits
  failure  text;     -- why the transfer fails (NULL: it goes)
  req      requests;
  tx_id    bigint := nextval('pgbank.transactions_id_seq');
  tx_ts    timestamptz := now();
BEGIN
  IF from_account = pgbank_private.world() THEN  -- as transfer() says it
    RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = format('transfer: from_account %L is the world account', from_account),
      HINT = 'money from outside comes in by top_up';
  END IF;
  -- The request's key first, as every other path takes it (docs/ledger.md): a repeat racing this
  -- call waits on it until this one commits, then replays it. Recorded as a success; a failure
  -- found under the payer's lock below rewrites it.
  INSERT INTO requests (account, request_id, kind, to_accounts, amounts, status, transaction_ids, ts)
  VALUES (from_account, request_id, 'transfer', ARRAY[to_account], ARRAY[amount], 'success', ARRAY[tx_id], tx_ts)
  ON CONFLICT ON CONSTRAINT requests_pkey DO NOTHING;
  IF NOT FOUND THEN  -- a repeat: its first outcome, with where the money is now
    SELECT * INTO req FROM requests r WHERE r.account = from_account AND r.request_id = send_to_shard.request_id;
    PERFORM pgbank_private.replay_request(req, 'transfer', ARRAY[to_account], ARRAY[amount], NULL);
    RETURN pgbank_private.shard_request_outcome(req);
  END IF;

  -- Then the payer, then (by the trigger) the clearing account, whose id is greater than any
  -- account's: the same global order as every other lock on a shard.
  SELECT u.id, u.balance - u.held - u.lower_limit, CASE WHEN u.status <> 'open' THEN 'account_' || u.status END
    INTO payer_id, room, blocked FROM users u WHERE u.id = from_account FOR UPDATE;
  failure := CASE WHEN payer_id IS NULL THEN 'unknown_account' WHEN blocked IS NOT NULL THEN blocked
                 WHEN room < amount THEN 'insufficient_funds' END;
  IF failure IS NOT NULL THEN
    UPDATE requests r SET status = 'failed', reason = failure
     WHERE r.account = from_account AND r.request_id = send_to_shard.request_id;
  END IF;

  -- A failed attempt is recorded naming the payee, as on one node; money moves to the clearing account.
  INSERT INTO transactions (id, ts, sender, receiver, amount, status, reason, metadata)
  VALUES (tx_id, tx_ts, from_account, CASE WHEN failure IS NULL THEN pgbank_private.clearing_account(peer) ELSE to_account END,
          amount, CASE WHEN failure IS NULL THEN 'success' ELSE 'failed' END, failure, send_to_shard.metadata);
  IF failure IS NULL THEN
    INSERT INTO shard_outbox (account, request_id, to_account, to_shard, amount, transaction_id, ts, metadata)
    VALUES (from_account, request_id, to_account, peer, amount, tx_id, tx_ts, send_to_shard.metadata);
  END IF;
  RETURN (request_id, CASE WHEN failure IS NULL THEN 'in_transit' ELSE 'failed' END, failure, tx_id, tx_ts,
          from_account, to_account, amount, false)::transfer_result;
END
$$;
COMMENT ON FUNCTION pgbank_private.send_to_shard(text, uuid, uuid, numeric, int, jsonb) IS
  'Helper: the payer leg of a cross-shard transfer (payer -> clearing account of shard peer, outbox row, the metadata on both), idempotent per (payer, request_id), the request''s key taken before the payer''s lock; status in_transit or failed';

-- The payee's leg: credits each transfer from shard from_shard (clearing account -> payee, with the payment's metadata), or refuses it when the payee is unknown or takes no credits; once per original (payer, request_id).
CREATE OR REPLACE FUNCTION pgbank_private.shard_receive(
  from_shard int, accounts uuid[], request_ids text[], to_accounts uuid[], amounts numeric[], metadatas jsonb[] DEFAULT NULL)
RETURNS TABLE (account uuid, request_id text, outcome text, reason text, transaction_id bigint)
LANGUAGE plpgsql
SET search_path = pgbank, pg_temp
AS $$
DECLARE
  clearing uuid := pgbank_private.clearing_account(from_shard);
  item     record;
  got      shard_inbox;
  balance  numeric;
  blocked  text;     -- account_closed / account_frozen when the payee takes no credits
  tx_id    bigint;
BEGIN
  IF NOT EXISTS (SELECT FROM shard_config c WHERE c.shard_no <> from_shard AND from_shard BETWEEN 0 AND c.shard_count - 1) THEN
    RAISE EXCEPTION USING ERRCODE = '55000', MESSAGE = format('shard_receive: this database is no shard that shard %s may pay', from_shard);
  END IF;
  -- Every payee first, in id order, then (by the trigger, at the first credit) the clearing
  -- account, whose id is the greatest: the global order, so no deadlock with transfers here.
  PERFORM FROM users u
    WHERE u.id = ANY (to_accounts) AND u.id <> pgbank_private.world() AND NOT pgbank_private.is_clearing(u.id)
    ORDER BY u.id FOR UPDATE;
  FOR item IN SELECT x.account, x.request_id, x.to_account, x.amount, x.metadata
                FROM unnest(accounts, request_ids, to_accounts, amounts, metadatas) AS x (account, request_id, to_account, amount, metadata)
               ORDER BY x.to_account LOOP
    SELECT * INTO got FROM shard_inbox b WHERE b.account = item.account AND b.request_id = item.request_id;
    IF NOT FOUND THEN
      SELECT u.balance, CASE WHEN u.status = 'closed' OR u.status = 'frozen' AND u.credits_frozen THEN 'account_' || u.status END
        INTO balance, blocked FROM users u
       WHERE u.id = item.to_account AND u.id <> pgbank_private.world() AND NOT pgbank_private.is_clearing(u.id);
      reason := CASE WHEN NOT FOUND THEN 'unknown_account' WHEN blocked IS NOT NULL THEN blocked
                     WHEN balance > pgbank_private.max_balance() - item.amount THEN 'balance_limit' END;
      tx_id := CASE WHEN reason IS NULL THEN nextval('pgbank.transactions_id_seq') END;
      INSERT INTO shard_inbox AS b (account, request_id, from_shard, to_account, amount, outcome, reason, transaction_id)
      VALUES (item.account, item.request_id, from_shard, item.to_account, item.amount,
              CASE WHEN reason IS NULL THEN 'credited' ELSE 'returned' END, reason, tx_id)
      ON CONFLICT ON CONSTRAINT shard_inbox_pkey DO NOTHING
      RETURNING b.* INTO got;
      IF got.account IS NULL THEN  -- another delivery of the same request got there first
        SELECT * INTO got FROM shard_inbox b WHERE b.account = item.account AND b.request_id = item.request_id;
      ELSIF reason IS NULL THEN
        INSERT INTO transactions (id, ts, sender, receiver, amount, status, metadata)
        VALUES (tx_id, got.ts, clearing, item.to_account, item.amount, 'success', item.metadata);
      END IF;
    END IF;
    account := got.account;
    request_id := got.request_id;
    outcome := got.outcome;
    reason := got.reason;
    transaction_id := got.transaction_id;
    RETURN NEXT;
  END LOOP;
END
$$;
COMMENT ON FUNCTION pgbank_private.shard_receive(int, uuid[], text[], uuid[], numeric[], jsonb[]) IS
  'Helper (delivery): credits transfers sent by shard from_shard (its clearing account -> payee, with their metadata) or returns them (payee unknown, closed or refusing credits), idempotent per (payer, request_id)';

-- The oldest cross-shard transfers paid here and not yet credited or returned (for the delivery worker).
CREATE OR REPLACE FUNCTION pgbank_private.shard_outbox_pending(max_rows int DEFAULT 500)
RETURNS TABLE (id bigint, account uuid, request_id text, to_account uuid, to_shard int, amount numeric, ts timestamptz, metadata jsonb)
LANGUAGE sql
STABLE
AS $$
  SELECT o.id, o.account, o.request_id, o.to_account, o.to_shard, o.amount, o.ts, o.metadata
    FROM pgbank.shard_outbox o
   WHERE o.status = 'pending'
   ORDER BY o.id
   LIMIT max_rows
$$;
COMMENT ON FUNCTION pgbank_private.shard_outbox_pending(int) IS
  'Helper (delivery): up to max_rows pending cross-shard transfers paid on this shard (with their metadata), oldest first';

-- The router's top_up() on a shard: pgbank.top_up(), refusing a clearing account.
CREATE OR REPLACE FUNCTION pgbank.shard_top_up(request_id text, account uuid, amount numeric, metadata jsonb DEFAULT NULL)
RETURNS pgbank.transfer_result
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pgbank, pg_temp
AS $$
BEGIN
  PERFORM pgbank_private.check_not_clearing('top_up', account);
  RETURN pgbank.top_up(request_id, account, amount, metadata);
END
$$;
COMMENT ON FUNCTION pgbank.shard_top_up(text, uuid, numeric, jsonb) IS
  'Shard side of the router''s top_up(): pgbank.top_up(), refusing clearing accounts (22023)';
REVOKE ALL ON FUNCTION pgbank.shard_top_up(text, uuid, numeric, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pgbank.shard_top_up(text, uuid, numeric, jsonb) TO pgbank_app;

-- The router's transfer() on a shard: pgbank.transfer() when the payee is here, else the payer's leg of a cross-shard transfer (status in_transit).
CREATE OR REPLACE FUNCTION pgbank.shard_transfer(request_id text, from_account uuid, to_account uuid, amount numeric, metadata jsonb DEFAULT NULL)
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
    RETURN pgbank.transfer(request_id, from_account, to_account, amount, metadata);
  END IF;
  -- The checks of pgbank.transfer(), in its order (to_account is not NULL here).
  PERFORM pgbank_private.check_request_id('transfer', request_id);
  IF from_account IS NULL THEN
    RAISE EXCEPTION USING ERRCODE = '22004', MESSAGE = 'transfer: from_account must not be NULL';
  END IF;
  PERFORM pgbank_private.check_amount('transfer', amount);
  PERFORM pgbank_private.check_metadata('transfer', metadata);
  RETURN pgbank_private.send_to_shard(request_id, from_account, to_account, round(amount, 2), peer, metadata);
END
$$;
COMMENT ON FUNCTION pgbank.shard_transfer(text, uuid, uuid, numeric, jsonb) IS
  'Shard side of the router''s transfer(): local when the payee is on this shard, else debits the payer to a clearing account (in_transit) for delivery; metadata goes on the payer''s and the payee''s rows';
REVOKE ALL ON FUNCTION pgbank.shard_transfer(text, uuid, uuid, numeric, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pgbank.shard_transfer(text, uuid, uuid, numeric, jsonb) TO pgbank_app;

-- The router's hold() on a shard: pgbank.hold() when the payee is here; a hold across shards is refused (0A000).
CREATE OR REPLACE FUNCTION pgbank.shard_hold(request_id text, from_account uuid, to_account uuid, amount numeric, expires_in interval, metadata jsonb DEFAULT NULL)
RETURNS pgbank.hold_result
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pgbank, pg_temp
AS $$
BEGIN
  PERFORM pgbank_private.check_not_clearing('hold', from_account, to_account);
  IF pgbank_private.remote_shard(to_account) IS NOT NULL THEN
    RAISE EXCEPTION USING ERRCODE = '0A000',
      MESSAGE = format('hold: from_account %L and to_account %L are on different shards (%s and %s): holds across shards are not supported',
                       from_account, to_account, (SELECT c.shard_no FROM shard_config c), pgbank_private.remote_shard(to_account)),
      HINT = 'use transfer() (delivered through the clearing accounts), or hold between accounts of one shard';
  END IF;
  RETURN pgbank.hold(request_id, from_account, to_account, amount, expires_in, metadata);
END
$$;
COMMENT ON FUNCTION pgbank.shard_hold(text, uuid, uuid, numeric, interval, jsonb) IS
  'Shard side of the router''s hold(): pgbank.hold() between accounts of this shard; across shards 0A000';
REVOKE ALL ON FUNCTION pgbank.shard_hold(text, uuid, uuid, numeric, interval, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pgbank.shard_hold(text, uuid, uuid, numeric, interval, jsonb) TO pgbank_app;
