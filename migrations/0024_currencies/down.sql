-- Down Migration
-- Only a database whose accounts all have 2 minor units fits the columns of before (numeric(22,2),
-- the 2-decimal domain); their currencies are forgotten. The functions of before come back from down/.
DO $$
BEGIN
  IF EXISTS (SELECT FROM pgbank.users WHERE minor_units <> 2) THEN
    RAISE EXCEPTION USING ERRCODE = '55000',
      MESSAGE = format('0024 down: %s accounts are in a currency without 2 minor units',
                       (SELECT count(*) FROM pgbank.users WHERE minor_units <> 2)),
      HINT = 'before 0024 every amount had exactly 2 decimals';
  END IF;
END
$$;
DROP TRIGGER users_keep_currency ON pgbank.users;
DROP FUNCTION pgbank_private.keep_account_currency();
DROP TRIGGER users_currency_known ON pgbank.users;
DROP FUNCTION pgbank_private.check_account_currency();
DROP TRIGGER currencies_in_use ON pgbank.currencies;
DROP FUNCTION pgbank_private.keep_used_currency();
DROP FUNCTION pgbank_private.currency_rule(uuid, uuid, numeric, boolean);
DROP FUNCTION pgbank_private.set_default_currency(text);
DROP FUNCTION pgbank_private.default_currency();
DROP FUNCTION pgbank_private.check_money(text, numeric, text);
DROP FUNCTION pgbank.create_account(text, numeric, uuid, text);
DROP FUNCTION pgbank.transfer_batch(text, uuid[], uuid[], numeric[], jsonb);

COMMENT ON COLUMN pgbank.transactions.reason IS
  'Why an attempt failed: unknown_account, same_account, account_closed, account_frozen, insufficient_funds (in that priority)';
ALTER TYPE pgbank.account DROP ATTRIBUTE currency, DROP ATTRIBUTE minor_units;
ALTER DOMAIN pgbank.amount DROP CONSTRAINT amount_is_money;
ALTER DOMAIN pgbank.amount ADD CONSTRAINT amount_is_money
  CHECK (VALUE >= 0.01 AND VALUE <= 999999999999999.99 AND scale(VALUE) <= 2);
COMMENT ON DOMAIN pgbank.amount IS 'An amount of money moved: 0.01 to 999,999,999,999,999.99, at most 2 decimals';
ALTER TABLE pgbank.reversals
  ALTER COLUMN reversed TYPE numeric(22,2);
ALTER TABLE pgbank.holds
  ALTER COLUMN amount TYPE numeric(22,2),
  ALTER COLUMN posted_amount TYPE numeric(22,2);
ALTER TABLE pgbank.users
  DROP COLUMN currency,
  DROP COLUMN minor_units,
  ALTER COLUMN balance TYPE numeric(22,2),
  ALTER COLUMN held TYPE numeric(22,2),
  ALTER COLUMN lower_limit TYPE numeric(22,2),
  ALTER COLUMN day_sent TYPE numeric(22,2),
  ALTER COLUMN day_received TYPE numeric(22,2),
  ALTER COLUMN balance SET DEFAULT 0,
  ALTER COLUMN held SET DEFAULT 0,
  ALTER COLUMN lower_limit SET DEFAULT 0,
  ALTER COLUMN day_sent SET DEFAULT 0,
  ALTER COLUMN day_received SET DEFAULT 0;
DROP TABLE pgbank.currencies;
