-- Reversals and an account's history: take back all or part of a transfer, linked to it; list the movements newest
-- first, a page at a time, with the balance after each and the links both ways.
-- (Run by `npm run examples`, which writes history.sql.out; `npm test` fails when the output changes.)
SET ROLE pgbank_app;

SELECT id, name FROM pgbank.create_account('Alice', 0, 'a11ce000-0000-4000-8000-000000000001');
SELECT id, name FROM pgbank.create_account('Bob', 0, 'b0b00000-0000-4000-8000-000000000002');
SELECT status, amount FROM pgbank.top_up('topup-1', 'a11ce000-0000-4000-8000-000000000001', 100);
SELECT transaction_id AS order_tx, status, amount
  FROM pgbank.transfer('order-1', 'a11ce000-0000-4000-8000-000000000001', 'b0b00000-0000-4000-8000-000000000002', 30) \gset
SELECT status, reason, amount
  FROM pgbank.transfer('order-2', 'a11ce000-0000-4000-8000-000000000001', 'b0b00000-0000-4000-8000-000000000002', 500);

-- Bob refunds 10.00 of the order, then the rest; a third refund finds nothing left
SELECT status, reason, from_account, to_account, amount, reverses = :order_tx AS of_the_order, replayed
  FROM pgbank.reverse('refund-1', :order_tx, 10, '{"reason": "damaged", "ticket": "T-17"}');
SELECT status, reason, amount, replayed FROM pgbank.reverse('refund-1', :order_tx, 10);  -- a repeat
SELECT transaction_id AS rest_tx, status, reason, amount FROM pgbank.reverse('refund-2', :order_tx) \gset
SELECT status, reason, amount FROM pgbank.reverse('refund-3', :order_tx);
-- a reversal is not reversed in turn
SELECT status FROM pgbank.reverse('refund-4', :rest_tx);

-- Alice's history, newest first, 3 rows a page; the last row's cursor gets the next page
SELECT transaction_id AS tx, direction, amount, status, reason, balance_after, metadata,
       reverses, reversed_by
  FROM pgbank.history('a11ce000-0000-4000-8000-000000000001', page_size => 3);
SELECT cursor AS page_end FROM pgbank.history('a11ce000-0000-4000-8000-000000000001', page_size => 3) OFFSET 2 \gset
SELECT transaction_id AS tx, direction, amount, status, reason, balance_after, reversed_by
  FROM pgbank.history('a11ce000-0000-4000-8000-000000000001', after => :'page_end', page_size => 3);

-- filtered: what Alice received, and the rows whose metadata contains {"reason": "damaged"}
SELECT transaction_id AS tx, direction, amount, balance_after
  FROM pgbank.history('a11ce000-0000-4000-8000-000000000001', direction => 'received');
SELECT transaction_id AS tx, direction, amount, metadata
  FROM pgbank.history('a11ce000-0000-4000-8000-000000000001', metadata => '{"reason": "damaged"}');

-- a cursor made up by hand
SELECT * FROM pgbank.history('a11ce000-0000-4000-8000-000000000001', after => 'page-2');
