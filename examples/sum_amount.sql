-- sum_amount: exact sums over any window [ts_start, ts_end) in UTC, from monthly and day totals.
-- The history is written directly (as postgres, with fixed times); the triggers keep the totals.
INSERT INTO pgbank.users (id, name) VALUES
  ('5e4d0000-0000-4000-8000-000000000001', 'Sender'), ('4ece0000-0000-4000-8000-000000000002', 'Receiver');
INSERT INTO pgbank.transactions (ts, sender, receiver, amount) VALUES
  ('2024-01-01 00:00:00+00', '00000000-0000-0000-0000-000000000000', '5e4d0000-0000-4000-8000-000000000001', 1000.00),
  ('2024-01-15 10:00:00+00', '5e4d0000-0000-4000-8000-000000000001', '4ece0000-0000-4000-8000-000000000002', 10.50),
  ('2024-01-31 23:59:59.999999+00', '5e4d0000-0000-4000-8000-000000000001', '4ece0000-0000-4000-8000-000000000002', 20.00),
  ('2024-02-01 00:00:00+00', '5e4d0000-0000-4000-8000-000000000001', '4ece0000-0000-4000-8000-000000000002', 30.25),
  ('2024-02-29 13:30:00+00', '5e4d0000-0000-4000-8000-000000000001', '4ece0000-0000-4000-8000-000000000002', 40.00);
SET ROLE pgbank_app;

-- January: the row at 23:59:59.999999 counts, the one at 2024-02-01 00:00 does not
SELECT sum_amount FROM pgbank.sum_amount('5e4d0000-0000-4000-8000-000000000001', '2024-01-01', '2024-02-01', 'sender');
-- a window that starts and ends inside days
SELECT sum_amount FROM pgbank.sum_amount('4ece0000-0000-4000-8000-000000000002', '2024-01-15 10:00', '2024-02-29 13:30', 'receiver');
-- everything, the opening top-up included
SELECT sum_amount FROM pgbank.sum_amount('5e4d0000-0000-4000-8000-000000000001', '-infinity', 'infinity', 'receiver');
-- an empty window
SELECT sum_amount FROM pgbank.sum_amount('5e4d0000-0000-4000-8000-000000000001', '2024-03-01', '2024-03-01', 'sender');
-- the time it took in the database comes back too (compared, not printed: it varies)
SELECT response_time_seconds < 1 AS fast FROM pgbank.sum_amount('5e4d0000-0000-4000-8000-000000000001', '2024-01-01', '2025-01-01', 'sender');
SELECT pgbank.balance_at('5e4d0000-0000-4000-8000-000000000001', '2024-01-31 23:59:59.999999+00') AS end_of_january;
RESET ROLE;
SELECT * FROM pgbank_private.verify_monthly_totals();
