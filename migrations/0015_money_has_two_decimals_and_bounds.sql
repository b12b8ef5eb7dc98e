-- Money has at most 2 decimals and explicit bounds. The API stores and returns every amount with
-- exactly 2 (it rounds what it accepted: '1.0000000000' is 1.00); a ledger amount is the domain
-- pgbank.amount (0.01 … 999,999,999,999,999.99, at most 2 decimals, so a direct write of 1.005 is
-- refused rather than rounded); balances, holds and limits are numeric(22,2), so they always
-- show 2 decimals. Before this, '1.0000000000' was stored as sent and every balance it touched
-- printed ten decimals from then on, and a 131,072-digit amount was accepted.
-- The domain also replaces transactions_amount_check: PostgreSQL 15 reads a table's CHECKs from
-- their text on every statement that writes it, a domain's once per session (see 0012).

-- Up Migration
-- Amounts the API accepted with more decimals than 2 ('1.0000000000'): the same value, 2
-- decimals. The ledger triggers have nothing to move and are skipped while this runs.
SET LOCAL session_replication_role = replica;
UPDATE pgbank.transactions SET amount = round(amount, 2) WHERE scale(amount) > 2;
UPDATE pgbank.holds SET amount = round(amount, 2), posted_amount = round(posted_amount, 2)
 WHERE scale(amount) > 2 OR scale(posted_amount) > 2;
UPDATE pgbank.requests SET amounts = ARRAY(SELECT round(a, 2) FROM unnest(amounts) AS a)
 WHERE EXISTS (SELECT FROM unnest(amounts) AS a WHERE scale(a) > 2);
SET LOCAL session_replication_role = origin;

-- A column changed to a domain without a constraint keeps its rows as they are (a constrained
-- domain, or one with a typmod, would rewrite the whole history); the constraint added next reads
-- them once.
CREATE DOMAIN pgbank.amount AS numeric;
ALTER TABLE pgbank.transactions ALTER COLUMN amount TYPE pgbank.amount;
ALTER TABLE pgbank.transactions DROP CONSTRAINT transactions_amount_check;
ALTER DOMAIN pgbank.amount ADD CONSTRAINT amount_is_money
  CHECK (VALUE >= 0.01 AND VALUE <= 999999999999999.99 AND scale(VALUE) <= 2);
COMMENT ON DOMAIN pgbank.amount IS 'An amount of money moved: 0.01 to 999,999,999,999,999.99, at most 2 decimals';

ALTER TABLE pgbank.users
  ALTER COLUMN balance TYPE numeric(22,2),
  ALTER COLUMN held TYPE numeric(22,2),
  ALTER COLUMN lower_limit TYPE numeric(22,2),
  ALTER COLUMN day_sent TYPE numeric(22,2),
  ALTER COLUMN day_received TYPE numeric(22,2);
ALTER TABLE pgbank.holds
  ALTER COLUMN amount TYPE numeric(22,2),
  ALTER COLUMN posted_amount TYPE numeric(22,2);

-- Down Migration
ALTER TABLE pgbank.holds
  ALTER COLUMN amount TYPE numeric,
  ALTER COLUMN posted_amount TYPE numeric;
ALTER TABLE pgbank.users
  ALTER COLUMN balance TYPE numeric,
  ALTER COLUMN held TYPE numeric,
  ALTER COLUMN lower_limit TYPE numeric,
  ALTER COLUMN day_sent TYPE numeric,
  ALTER COLUMN day_received TYPE numeric;
ALTER DOMAIN pgbank.amount DROP CONSTRAINT amount_is_money;
ALTER TABLE pgbank.transactions ALTER COLUMN amount TYPE numeric;
DROP DOMAIN pgbank.amount;
ALTER TABLE pgbank.transactions ADD CONSTRAINT transactions_amount_check
  CHECK (amount > 0 AND amount <> 'NaN' AND amount <> 'Infinity');
