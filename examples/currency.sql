-- Currencies: accounts in USD, EUR, JPY and BHD; amounts with their currency's decimals; a refused
-- mixed-currency transfer; an exchange USD -> EUR as one atomic batch through liquidity accounts.
-- (Run by `npm run examples`, which writes currency.sql.out; `npm test` fails when the output changes.)
SET ROLE pgbank_app;

SELECT name, currency, minor_units, balance, lower_limit FROM pgbank.create_account('Alice', 0, 'a11ce000-0000-4000-8000-000000000001');
SELECT name, currency, minor_units, balance FROM pgbank.create_account('Alice EUR', 0, 'a11ce000-0000-4000-8000-00000000e001', 'EUR');
SELECT name, currency, minor_units, balance FROM pgbank.create_account('Bob JPY', 0, 'b0b00000-0000-4000-8000-000000000003', 'JPY');
SELECT name, currency, minor_units, balance FROM pgbank.create_account('Carol BHD', 0, 'ca201000-0000-4000-8000-000000000004', 'BHD');
-- the bank's liquidity accounts, one per currency
SELECT name, currency FROM pgbank.create_account('Liquidity USD', 0, 'f1000000-0000-4000-8000-0000000000d1');
SELECT name, currency FROM pgbank.create_account('Liquidity EUR', 0, 'f1000000-0000-4000-8000-0000000000e1', 'EUR');

-- an amount has its account's currency's decimals: JPY none, BHD three
SELECT request_id, status, amount FROM pgbank.top_up('t-1', 'a11ce000-0000-4000-8000-000000000001', 150);
SELECT request_id, status, amount FROM pgbank.top_up('t-2', 'b0b00000-0000-4000-8000-000000000003', 500.00);
SELECT request_id, status, amount FROM pgbank.top_up('t-3', 'ca201000-0000-4000-8000-000000000004', 10.005);
SELECT request_id, status, amount FROM pgbank.top_up('t-4', 'f1000000-0000-4000-8000-0000000000e1', 10000);
SELECT request_id, status, amount FROM pgbank.top_up('t-5', 'b0b00000-0000-4000-8000-000000000003', 1.5);

-- between two currencies: a failed result, recorded, nothing moved
SELECT request_id, status, reason, amount
  FROM pgbank.transfer('pay-1', 'a11ce000-0000-4000-8000-000000000001', 'b0b00000-0000-4000-8000-000000000003', 10);

-- an exchange: Alice's 100.00 USD to the USD liquidity account, 92.00 EUR from the EUR liquidity
-- account to Alice's EUR account, in one batch (all or nothing), the rate in its metadata
SELECT request_id, status, reason, from_account, to_account, amount
  FROM pgbank.transfer_batch('fx-1',
         ARRAY['a11ce000-0000-4000-8000-000000000001', 'f1000000-0000-4000-8000-0000000000e1']::uuid[],
         ARRAY['f1000000-0000-4000-8000-0000000000d1', 'a11ce000-0000-4000-8000-00000000e001']::uuid[],
         ARRAY[100.00, 92.00],
         '{"kind": "exchange", "pair": "USD/EUR", "rate": "0.92"}');
-- a second one Alice cannot pay: neither leg moves
SELECT request_id, status, reason, amount
  FROM pgbank.transfer_batch('fx-2',
         ARRAY['a11ce000-0000-4000-8000-000000000001', 'f1000000-0000-4000-8000-0000000000e1']::uuid[],
         ARRAY['f1000000-0000-4000-8000-0000000000d1', 'a11ce000-0000-4000-8000-00000000e001']::uuid[],
         ARRAY[60.00, 55.20],
         '{"kind": "exchange", "pair": "USD/EUR", "rate": "0.92"}');

SELECT a.name, a.currency, a.balance
  FROM unnest(ARRAY['a11ce000-0000-4000-8000-000000000001', 'a11ce000-0000-4000-8000-00000000e001', 'b0b00000-0000-4000-8000-000000000003',
                    'ca201000-0000-4000-8000-000000000004', 'f1000000-0000-4000-8000-0000000000d1', 'f1000000-0000-4000-8000-0000000000e1']::uuid[]) AS x(id),
       LATERAL pgbank.get_account(x.id) a;
SELECT direction, counterparty, amount, balance_after, metadata
  FROM pgbank.history('a11ce000-0000-4000-8000-00000000e001');
