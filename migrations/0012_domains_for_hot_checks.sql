-- The rules of the two tables every transfer writes beside the ledger (requests, monthly totals)
-- move from CHECK constraints to domains. Same rules, same errors (23514, naming the domain);
-- the difference is cost: PostgreSQL 15 re-reads a table's CHECK expressions from their stored
-- text on every statement that writes the table, while a domain's check is read once per
-- session. Measured on a transfer: about an eighth of its database time.
-- Request keys also compare byte by byte now, not by the database's collation.

-- Up Migration
CREATE DOMAIN pgbank.month_start AS date CHECK (VALUE = date_trunc('month', VALUE));
COMMENT ON DOMAIN pgbank.month_start IS 'The first day of a month';
CREATE DOMAIN pgbank.month_days AS numeric[] CHECK (cardinality(VALUE) = 31);
COMMENT ON DOMAIN pgbank.month_days IS 'One amount per day of a month (index = day of month; days a month lacks stay 0)';
-- Keys are opaque: compared byte by byte ("C"), which is also what keeps their index cheap.
CREATE DOMAIN pgbank.request_key AS text COLLATE "C" CHECK (VALUE <> '' AND length(VALUE) <= 200);
COMMENT ON DOMAIN pgbank.request_key IS 'A client''s idempotency key: 1 to 200 characters, compared byte by byte';
CREATE DOMAIN pgbank.request_kind AS text CHECK (VALUE IN ('transfer', 'top_up', 'batch', 'hold'));
CREATE DOMAIN pgbank.request_status AS text CHECK (VALUE IN ('success', 'failed'));

ALTER TABLE pgbank.user_monthly_totals
  DROP CONSTRAINT user_monthly_totals_month_check,
  DROP CONSTRAINT user_monthly_totals_sent_days_check,
  DROP CONSTRAINT user_monthly_totals_received_days_check,
  ALTER COLUMN month TYPE pgbank.month_start,
  ALTER COLUMN sent_days TYPE pgbank.month_days,
  ALTER COLUMN received_days TYPE pgbank.month_days;

ALTER TABLE pgbank.requests
  DROP CONSTRAINT requests_request_id_check,
  DROP CONSTRAINT requests_kind_check,
  DROP CONSTRAINT requests_status_check,
  ALTER COLUMN request_id TYPE pgbank.request_key,
  ALTER COLUMN kind TYPE pgbank.request_kind,
  ALTER COLUMN status TYPE pgbank.request_status;

-- Down Migration
ALTER TABLE pgbank.requests
  ALTER COLUMN request_id TYPE text,
  ALTER COLUMN kind TYPE text,
  ALTER COLUMN status TYPE text,
  ADD CONSTRAINT requests_request_id_check CHECK (request_id <> '' AND length(request_id) <= 200),
  ADD CONSTRAINT requests_kind_check CHECK (kind IN ('transfer', 'top_up', 'batch', 'hold')),
  ADD CONSTRAINT requests_status_check CHECK (status IN ('success', 'failed'));
ALTER TABLE pgbank.user_monthly_totals
  ALTER COLUMN month TYPE date,
  ALTER COLUMN sent_days TYPE numeric[],
  ALTER COLUMN received_days TYPE numeric[],
  ADD CONSTRAINT user_monthly_totals_month_check CHECK (month = date_trunc('month', month)),
  ADD CONSTRAINT user_monthly_totals_sent_days_check CHECK (cardinality(sent_days) = 31),
  ADD CONSTRAINT user_monthly_totals_received_days_check CHECK (cardinality(received_days) = 31);
DROP DOMAIN pgbank.request_status, pgbank.request_kind, pgbank.request_key, pgbank.month_days, pgbank.month_start;
