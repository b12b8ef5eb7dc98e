-- Down Migration
-- The shard functions without metadata come back from down/ (as they were before), and
-- shard_configure without the id ranges; the metadata stays in the ledger rows. The functions for
-- the router's history() and reverse() go (the router before 0025 has neither).
DROP FUNCTION pgbank.shard_history(uuid, timestamptz, timestamptz, text, text, jsonb, text, int);
DROP FUNCTION pgbank.shard_reverse_check(text, bigint, numeric, jsonb);
DROP FUNCTION pgbank.shard_reverse(text, bigint, numeric, jsonb);
DROP FUNCTION pgbank.shard_top_up(text, uuid, numeric, jsonb);
DROP FUNCTION pgbank.shard_transfer(text, uuid, uuid, numeric, jsonb);
DROP FUNCTION pgbank.shard_hold(text, uuid, uuid, numeric, interval, jsonb);
DROP FUNCTION pgbank_private.send_to_shard(text, uuid, uuid, numeric, int, jsonb);
DROP FUNCTION pgbank_private.shard_receive(int, uuid[], text[], uuid[], numeric[], jsonb[]);
DROP FUNCTION pgbank_private.shard_outbox_pending(int);
DROP INDEX pgbank.shard_inbox_transaction_idx, pgbank.shard_outbox_return_idx, pgbank.shard_outbox_transaction_idx;
ALTER TABLE pgbank.shard_outbox DROP COLUMN metadata;
ALTER TABLE pgbank.shard_config DROP COLUMN older_ids_up_to;
