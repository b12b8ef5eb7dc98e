-- The ledger, step by step: accounts, a top-up, a transfer and its repeat, a failure, a hold, a batch, many transfers in one call, the audit.
-- (Run by `npm run examples`, which writes ledger.sql.out; `npm test` fails when the output changes.)
SET ROLE pgbank_app;

SELECT id, name, balance, available, lower_limit, version
  FROM pgbank.create_account('Alice', 0, 'a11ce000-0000-4000-8000-000000000001');
SELECT id, name, balance, available, lower_limit, version
  FROM pgbank.create_account('Bob', -50, 'b0b00000-0000-4000-8000-000000000002');

SELECT request_id, status, reason, amount, replayed
  FROM pgbank.top_up('topup-1', 'a11ce000-0000-4000-8000-000000000001', 100);

SELECT request_id, status, reason, amount, replayed
  FROM pgbank.transfer('pay-1', 'a11ce000-0000-4000-8000-000000000001', 'b0b00000-0000-4000-8000-000000000002', 30.25);

-- the same request again: the first outcome, no money moves
SELECT request_id, status, reason, amount, replayed
  FROM pgbank.transfer('pay-1', 'a11ce000-0000-4000-8000-000000000001', 'b0b00000-0000-4000-8000-000000000002', 30.25);

-- a business failure is a result, recorded, not an error
SELECT request_id, status, reason, amount, replayed
  FROM pgbank.transfer('pay-2', 'a11ce000-0000-4000-8000-000000000001', 'b0b00000-0000-4000-8000-000000000002', 500);

-- any scale in, exactly the currency's decimals out (USD: 2)
SELECT request_id, status, amount
  FROM pgbank.transfer('pay-3', 'a11ce000-0000-4000-8000-000000000001', 'b0b00000-0000-4000-8000-000000000002', '1.0000000000');

-- a hold reserves funds now; post moves all or part of them later
SELECT hold_id AS hold, status, amount, expires_at - ts AS expires_in
  FROM pgbank.hold('hold-1', 'a11ce000-0000-4000-8000-000000000001', 'b0b00000-0000-4000-8000-000000000002', 40, '15 minutes') \gset
SELECT :'status' AS status, :'amount' AS amount, :'expires_in' AS expires_in;
SELECT name, balance, held, available, version FROM pgbank.get_account('a11ce000-0000-4000-8000-000000000001');
SELECT status, amount, posted_amount FROM pgbank.post_hold(:'hold', 25);
-- a hold ends once: voiding it now is an error (PB002; its message names the hold, whose id is random, so only the code is shown here)
\set VERBOSITY sqlstate
SELECT status FROM pgbank.void_hold(:'hold');
\set VERBOSITY default

-- a batch is all or nothing: item 2 lacks funds, so neither moves
SELECT status, reason, amount
  FROM pgbank.transfer_batch('batch-1',
         ARRAY['a11ce000-0000-4000-8000-000000000001', 'b0b00000-0000-4000-8000-000000000002']::uuid[],
         ARRAY['b0b00000-0000-4000-8000-000000000002', 'a11ce000-0000-4000-8000-000000000001']::uuid[],
         ARRAY[10, 200]);

SELECT name, balance, held, available, version FROM pgbank.get_account('a11ce000-0000-4000-8000-000000000001');
SELECT name, balance, held, available, version FROM pgbank.get_account('b0b00000-0000-4000-8000-000000000002');
SELECT pgbank.balance_at('a11ce000-0000-4000-8000-000000000001', '2000-01-01') AS long_ago,
       pgbank.balance_at('a11ce000-0000-4000-8000-000000000001', 'infinity') AS now;

-- many independent transfers in one call: each its own request, outcome and ledger row (pay-1 is a repeat)
SELECT request_id, status, reason, amount, replayed
  FROM pgbank.transfers(ARRAY['pay-4', 'pay-5', 'pay-1'],
         ARRAY['a11ce000-0000-4000-8000-000000000001', 'a11ce000-0000-4000-8000-000000000001', 'a11ce000-0000-4000-8000-000000000001']::uuid[],
         ARRAY['b0b00000-0000-4000-8000-000000000002', 'b0b00000-0000-4000-8000-000000000002', 'b0b00000-0000-4000-8000-000000000002']::uuid[],
         ARRAY[5, 1000, 30.25]);

-- the audit: accounts whose stored balance or held amount differs from their transactions (none)
SELECT * FROM pgbank.verify_balances();

-- the shards' audits exist on a single node too, empty: nothing in transit, no clearing account (docs/scaling.md)
SELECT * FROM pgbank.money_in_transit();
SELECT * FROM pgbank.verify_clearing();
