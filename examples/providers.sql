-- The provider bridge's SQL (docs/bridge.md): the seed's providers, a batch of messages as the bridge records it, balances, its lock.
-- (Run by `npm run examples`, which writes providers.sql.out; `npm test` fails when the output changes.)
-- the seed's providers (1 Visa 1000, 2 Mastercard 2000) and history (100, 200, -200): a demo helper of the schema owner's
SELECT * FROM pgbank_private.provider_seed_example();
SET ROLE pgbank_app;
-- ... which the application role may not call
SELECT * FROM pgbank_private.provider_seed_example();
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT * FROM pgbank.provider_balances();

-- a batch: message 1 is {"id":1,"value":600}; 2 has the same message_id again; 3 names an unknown
-- provider; 4 is not a finite number; 5 is beyond the bounds. Only the messages not recorded come back.
SELECT * FROM pgbank.provider_record_transactions(ARRAY['m-1', 'm-1', 'm-2', 'm-3', 'm-4'],
                                                  ARRAY['1', '1', '99', '2', '1'],
                                                  ARRAY['600', '600', '5', 'NaN', '1e999']);
SELECT * FROM pgbank.provider_balances();

-- one bridge per queue: this session takes the lock; asking again is the bridge's heartbeat
SELECT acquired, holder_pid = pg_backend_pid() AS this_session FROM pgbank.provider_bridge_lock('incoming_transactions');
SELECT acquired, holder_pid = pg_backend_pid() AS this_session FROM pgbank.provider_bridge_lock('incoming_transactions');
SELECT * FROM pgbank.provider_bridge_lock('');
\echo SQLSTATE :LAST_ERROR_SQLSTATE

-- the history, append-only (read as the schema owner: the application role reads no table)
RESET ROLE;
SELECT * FROM pgbank.historical_transactions ORDER BY id;
UPDATE pgbank.historical_transactions SET transaction_value = 700 WHERE message_id = 'm-1';
\echo SQLSTATE :LAST_ERROR_SQLSTATE
