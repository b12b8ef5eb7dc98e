-- Account status: freeze, a refused transfer, a frozen account that still takes credits, credits refused too, close, the record.
-- (Run by `npm run examples`, which writes status.sql.out; `npm test` fails when the output changes.)
SET ROLE pgbank_app;

SELECT id FROM pgbank.create_account('Alice', 0, 'a11ce000-0000-4000-8000-000000000001');
SELECT id FROM pgbank.create_account('Bob', 0, 'b0b00000-0000-4000-8000-000000000002');
SELECT status FROM pgbank.top_up('topup-1', 'a11ce000-0000-4000-8000-000000000001', 100);

-- frozen: no debits; the refusal is a failed result with its reason, recorded like any other
SELECT name, balance, status, credits_frozen
  FROM pgbank.set_account_status('a11ce000-0000-4000-8000-000000000001', 'frozen', 'fraud check #123', 'ops:alice');
SELECT request_id, status, reason, amount
  FROM pgbank.transfer('pay-1', 'a11ce000-0000-4000-8000-000000000001', 'b0b00000-0000-4000-8000-000000000002', 30);
SELECT status, reason FROM pgbank.hold('hold-1', 'a11ce000-0000-4000-8000-000000000001', 'b0b00000-0000-4000-8000-000000000002', 30, '1 hour');

-- a frozen account still takes credits, unless credits_frozen
SELECT request_id, status, reason FROM pgbank.top_up('topup-2', 'a11ce000-0000-4000-8000-000000000001', 5);
SELECT status, credits_frozen
  FROM pgbank.set_account_status('a11ce000-0000-4000-8000-000000000001', 'frozen', 'court order', 'ops:bob', credits_frozen => true);
SELECT request_id, status, reason FROM pgbank.top_up('topup-3', 'a11ce000-0000-4000-8000-000000000001', 5);

-- open again; closing needs balance 0 and nothing held, and is final
SELECT status FROM pgbank.set_account_status('a11ce000-0000-4000-8000-000000000001', 'open', 'cleared', 'ops:alice');
SELECT status FROM pgbank.set_account_status('a11ce000-0000-4000-8000-000000000001', 'closed', 'customer left', 'ops:alice');
SELECT status, amount FROM pgbank.transfer('out-1', 'a11ce000-0000-4000-8000-000000000001', '00000000-0000-0000-0000-000000000000', 105);
SELECT name, balance, held, status
  FROM pgbank.set_account_status('a11ce000-0000-4000-8000-000000000001', 'closed', 'customer left', 'ops:alice');
SELECT request_id, status, reason FROM pgbank.transfer('pay-2', 'b0b00000-0000-4000-8000-000000000002', 'a11ce000-0000-4000-8000-000000000001', 1);
SELECT status FROM pgbank.set_account_status('a11ce000-0000-4000-8000-000000000001', 'open', 'oops', 'ops:alice');
SELECT status FROM pgbank.set_account_status('b0b00000-0000-4000-8000-000000000002', 'suspended', 'typo', 'ops:alice');

-- every change, newest first: who, why, when
SELECT from_status, to_status, credits_frozen, changed_by, reason, db_user
  FROM pgbank.account_status_changes('a11ce000-0000-4000-8000-000000000001');
