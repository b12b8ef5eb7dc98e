-- Change events (docs/events.md): `npm run events` decodes pgbank's changes from the WAL through a
-- permanent logical replication slot (the built-in pgoutput plugin) and publishes them to RabbitMQ.
-- - pgbank.users logs its whole old row with every UPDATE (REPLICA IDENTITY FULL): an event names
--   the balance before and after, and a status change, without reading anything back. The cost is
--   the old row's ~150 bytes of WAL per account update; nothing else on the transfer path changes.
-- - The publication pgbank_events names what the decoder reads: the accounts (balance and status
--   changes) and the transactions (which ledger row moved a balance), the latter as their root
--   table, whatever daily partition a row is in. Columns added to users later (a status, …) are in it.

-- Up Migration
ALTER TABLE pgbank.users REPLICA IDENTITY FULL;
CREATE PUBLICATION pgbank_events FOR TABLE pgbank.users, pgbank.transactions
  WITH (publish = 'insert, update', publish_via_partition_root = true);
COMMENT ON PUBLICATION pgbank_events IS
  'Read by npm run events (pgoutput): balance and status changes of accounts, and the ledger rows behind them';

-- Down Migration
DROP PUBLICATION IF EXISTS pgbank_events;
ALTER TABLE pgbank.users REPLICA IDENTITY DEFAULT;
