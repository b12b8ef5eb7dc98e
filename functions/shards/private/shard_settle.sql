-- Closes outbox rows with the payee shard's answers: delivered, or returned (clearing account -> payer, recorded); rows already closed are left alone.
CREATE OR REPLACE FUNCTION pgbank_private.shard_settle(ids bigint[], outcomes text[], reasons text[], credit_ids bigint[])
RETURNS int
LANGUAGE plpgsql
SET search_path = pgbank, pg_temp
AS $$
DECLARE
  item    record;
  tx_id   bigint;
  settled int := 0;
BEGIN
  -- Payers of returned transfers first, in id order; then the outbox rows; the clearing accounts
  -- (greatest ids) last, by the trigger.
  PERFORM FROM users u
    WHERE u.id IN (SELECT o.account FROM shard_outbox o JOIN unnest(ids, outcomes) AS x (id, outcome) ON o.id = x.id
                    WHERE x.outcome = 'returned' AND o.status = 'pending')
    ORDER BY u.id FOR UPDATE;
  FOR item IN SELECT o.id, o.account, o.to_shard, o.amount, o.metadata, x.outcome, x.reason, x.credit_id
                FROM shard_outbox o JOIN unnest(ids, outcomes, reasons, credit_ids) AS x (id, outcome, reason, credit_id) ON o.id = x.id
               WHERE o.status = 'pending'
               ORDER BY o.id
                 FOR UPDATE OF o LOOP
    CONTINUE WHEN item.outcome IS NULL;
    IF item.outcome = 'credited' THEN
      UPDATE shard_outbox o SET status = 'delivered', credit_transaction_id = item.credit_id, finished_at = now()
       WHERE o.id = item.id AND o.status = 'pending';
    ELSIF item.outcome = 'returned' THEN
      tx_id := nextval('pgbank.transactions_id_seq');
      INSERT INTO transactions (id, ts, sender, receiver, amount, status, metadata)  -- the payment's metadata: what came back
      VALUES (tx_id, now(), pgbank_private.clearing_account(item.to_shard), item.account, item.amount, 'success', item.metadata);
      UPDATE shard_outbox o SET status = 'returned', reason = item.reason, return_transaction_id = tx_id, finished_at = now()
       WHERE o.id = item.id AND o.status = 'pending';
    ELSE
      RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = format('shard_settle: unknown outcome %L for outbox row %s', item.outcome, item.id);
    END IF;
    IF FOUND THEN settled := settled + 1; END IF;
  END LOOP;
  RETURN settled;
END
$$;
COMMENT ON FUNCTION pgbank_private.shard_settle(bigint[], text[], text[], bigint[]) IS
  'Helper (delivery): marks outbox rows delivered, or returns their money to the payer (recorded), once; returns how many it closed';
