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
