-- Down Migration
-- The shard functions without metadata come back from down/ (as they were before); the metadata stays in the ledger rows.
DROP FUNCTION pgbank.shard_top_up(text, uuid, numeric, jsonb);
DROP FUNCTION pgbank.shard_transfer(text, uuid, uuid, numeric, jsonb);
DROP FUNCTION pgbank.shard_hold(text, uuid, uuid, numeric, interval, jsonb);
DROP FUNCTION pgbank_private.send_to_shard(text, uuid, uuid, numeric, int, jsonb);
DROP FUNCTION pgbank_private.shard_receive(int, uuid[], text[], uuid[], numeric[], jsonb[]);
DROP FUNCTION pgbank_private.shard_outbox_pending(int);
DROP INDEX pgbank.shard_inbox_transaction_idx, pgbank.shard_outbox_return_idx, pgbank.shard_outbox_transaction_idx;
ALTER TABLE pgbank.shard_outbox DROP COLUMN metadata;
