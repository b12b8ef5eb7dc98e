-- Down Migration
-- Narrow records get their parameters and outcome back from their ledger rows first.
LOCK TABLE pgbank.requests IN SHARE ROW EXCLUSIVE MODE;
LOCK TABLE pgbank.transactions IN SHARE ROW EXCLUSIVE MODE;
UPDATE pgbank.requests r
   SET to_accounts = ARRAY[t.receiver], amounts = ARRAY[t.amount::numeric],
       status = CASE WHEN t.status = 'failed' THEN 'failed' ELSE 'success' END, reason = t.reason,
       hold_id = CASE WHEN t.status = 'failed' THEN NULL ELSE r.hold_id END
  FROM pgbank.transactions t
 WHERE r.status IS NULL AND t.id = r.transaction_ids[1] AND t.ts = r.ts
   AND t.sender = CASE WHEN r.kind = 'top_up' THEN '00000000-0000-0000-0000-000000000000'::uuid ELSE r.account END;
COMMENT ON COLUMN pgbank.requests.status IS NULL;
ALTER TABLE pgbank.requests
  ALTER COLUMN to_accounts SET NOT NULL,
  ALTER COLUMN amounts SET NOT NULL,
  ALTER COLUMN status SET NOT NULL;
-- The AFTER INSERT trigger moves the balances again (down/rollup_transaction.sql makes it).
DROP TRIGGER transactions_apply_insert ON pgbank.transactions;
DROP FUNCTION pgbank_private.apply_new_transaction();
DROP FUNCTION IF EXISTS pgbank_private.place_hold(text, uuid, uuid, numeric, interval);
DROP FUNCTION IF EXISTS pgbank_private.replay_one(text, uuid, text, uuid, numeric, interval);
DROP FUNCTION IF EXISTS pgbank_private.stored_request(uuid, text);
-- move_account goes last: the frozen move_money (down/) no longer calls it.
