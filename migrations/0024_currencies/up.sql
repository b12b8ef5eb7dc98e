-- Currencies (issue 16). Every account has a currency (ISO 4217) and keeps its minor units beside
-- it (users.minor_units, denormalized so the transfer path reads it in the statement that already
-- locks and moves the row: no extra lookup); a movement between two currencies fails with
-- currency_mismatch, and an amount may have at most its currency's decimals (JPY 0, USD 2, BHD 3).
-- Existing accounts are USD, the default a new account gets (pgbank_private.set_default_currency
-- changes it); USD amounts and balances keep their 2 decimals.
--
-- Nothing is rewritten: adding columns with constant defaults keeps users' rows as they are, and
-- numeric(22,2) -> numeric only drops the typmod (values keep their scale; every writer adds
-- amounts already at the account's scale, so a balance keeps its currency's decimals). The ledger
-- amount's domain (0015) now allows up to 4 decimals, its lower bound is "more than 0" (a BHD
-- movement of 0.005 is money); the currency's scale is the trigger's rule. The constraint added
-- reads the ledger once, writes nothing. The functions below (down/) are as they were before this
-- migration; the functions step keeps them current.

-- Up Migration
CREATE TABLE pgbank.currencies (
  code        text COLLATE "C" PRIMARY KEY CHECK (code ~ '^[A-Z]{3}$'),
  minor_units smallint NOT NULL CHECK (minor_units BETWEEN 0 AND 4),
  name        text NOT NULL CHECK (name <> '' AND length(name) <= 100),
  is_default  boolean NOT NULL DEFAULT false,
  UNIQUE (code, minor_units)  -- the pair an account keeps (users.currency, users.minor_units)
);
CREATE UNIQUE INDEX currencies_one_default ON pgbank.currencies ((true)) WHERE is_default;
COMMENT ON TABLE pgbank.currencies IS
  'ISO 4217 currencies an account may have: code, minor units (decimals an amount may have), name; operators may add rows';
COMMENT ON COLUMN pgbank.currencies.is_default IS
  'The database''s default currency (one row), also the users column defaults: change both with pgbank_private.set_default_currency';

-- ISO 4217 (list one, as published by SIX): the common ones and every one without 2 minor units.
INSERT INTO pgbank.currencies (code, minor_units, name) VALUES
  ('AED', 2, 'UAE Dirham'), ('ARS', 2, 'Argentine Peso'), ('AUD', 2, 'Australian Dollar'),
  ('BHD', 3, 'Bahraini Dinar'), ('BIF', 0, 'Burundi Franc'), ('BRL', 2, 'Brazilian Real'),
  ('CAD', 2, 'Canadian Dollar'), ('CHF', 2, 'Swiss Franc'), ('CLF', 4, 'Unidad de Fomento'),
  ('CLP', 0, 'Chilean Peso'), ('CNY', 2, 'Yuan Renminbi'), ('COP', 2, 'Colombian Peso'),
  ('CZK', 2, 'Czech Koruna'), ('DJF', 0, 'Djibouti Franc'), ('DKK', 2, 'Danish Krone'),
  ('EGP', 2, 'Egyptian Pound'), ('EUR', 2, 'Euro'), ('GBP', 2, 'Pound Sterling'),
  ('GNF', 0, 'Guinean Franc'), ('HKD', 2, 'Hong Kong Dollar'), ('HUF', 2, 'Forint'),
  ('IDR', 2, 'Rupiah'), ('ILS', 2, 'New Israeli Sheqel'), ('INR', 2, 'Indian Rupee'),
  ('IQD', 3, 'Iraqi Dinar'), ('ISK', 0, 'Iceland Krona'), ('JOD', 3, 'Jordanian Dinar'),
  ('JPY', 0, 'Yen'), ('KES', 2, 'Kenyan Shilling'), ('KMF', 0, 'Comorian Franc'),
  ('KRW', 0, 'Won'), ('KWD', 3, 'Kuwaiti Dinar'), ('LYD', 3, 'Libyan Dinar'),
  ('MAD', 2, 'Moroccan Dirham'), ('MXN', 2, 'Mexican Peso'), ('MYR', 2, 'Malaysian Ringgit'),
  ('NGN', 2, 'Naira'), ('NOK', 2, 'Norwegian Krone'), ('NZD', 2, 'New Zealand Dollar'),
  ('OMR', 3, 'Rial Omani'), ('PHP', 2, 'Philippine Peso'), ('PKR', 2, 'Pakistan Rupee'),
  ('PLN', 2, 'Zloty'), ('PYG', 0, 'Guarani'), ('QAR', 2, 'Qatari Rial'),
  ('RON', 2, 'Romanian Leu'), ('RWF', 0, 'Rwanda Franc'), ('SAR', 2, 'Saudi Riyal'),
  ('SEK', 2, 'Swedish Krona'), ('SGD', 2, 'Singapore Dollar'), ('THB', 2, 'Baht'),
  ('TND', 3, 'Tunisian Dinar'), ('TRY', 2, 'Turkish Lira'), ('TWD', 2, 'New Taiwan Dollar'),
  ('UAH', 2, 'Hryvnia'), ('UGX', 0, 'Uganda Shilling'), ('USD', 2, 'US Dollar'),
  ('UYW', 4, 'Unidad Previsional'), ('VND', 0, 'Dong'), ('VUV', 0, 'Vatu'),
  ('XAF', 0, 'CFA Franc BEAC'), ('XOF', 0, 'CFA Franc BCEAO'), ('XPF', 0, 'CFP Franc'),
  ('ZAR', 2, 'Rand');
UPDATE pgbank.currencies SET is_default = true WHERE code = 'USD';

-- The column defaults are the database's default currency (pgbank_private.set_default_currency
-- changes all of them together). The pair is a currency's (code, minor_units): checked when an
-- account is made (pgbank_private.check_account_currency) and never changed after
-- (keep_account_currency), where a foreign key would cost every balance UPDATE its after-trigger
-- bookkeeping (~7% of transfer() at c=16, measured). Existing rows take the defaults without a rewrite.
ALTER TABLE pgbank.users
  ADD COLUMN currency    text COLLATE "C" NOT NULL DEFAULT 'USD',
  ADD COLUMN minor_units smallint NOT NULL DEFAULT 2,
  ALTER COLUMN balance TYPE numeric,
  ALTER COLUMN held TYPE numeric,
  ALTER COLUMN lower_limit TYPE numeric,
  ALTER COLUMN day_sent TYPE numeric,
  ALTER COLUMN day_received TYPE numeric,
  ALTER COLUMN balance SET DEFAULT 0.00,
  ALTER COLUMN held SET DEFAULT 0.00,
  ALTER COLUMN lower_limit SET DEFAULT 0.00,
  ALTER COLUMN day_sent SET DEFAULT 0.00,
  ALTER COLUMN day_received SET DEFAULT 0.00;
COMMENT ON COLUMN pgbank.users.currency IS
  'ISO 4217 code (pgbank.currencies), set when the account is opened and never changed; every amount it moves is in it';
COMMENT ON COLUMN pgbank.users.minor_units IS
  'Its currency''s minor units, kept here so the locking UPDATE that moves money checks an amount''s decimals without a lookup';
ALTER TABLE pgbank.holds
  ALTER COLUMN amount TYPE numeric,
  ALTER COLUMN posted_amount TYPE numeric;
ALTER TABLE pgbank.reversals
  ALTER COLUMN reversed TYPE numeric;

ALTER DOMAIN pgbank.amount DROP CONSTRAINT amount_is_money;
ALTER DOMAIN pgbank.amount ADD CONSTRAINT amount_is_money
  CHECK (VALUE > 0 AND VALUE <= 999999999999999.99 AND scale(VALUE) <= 4);
COMMENT ON DOMAIN pgbank.amount IS
  'An amount of money moved: more than 0, at most 999,999,999,999,999.99, at most 4 decimals (its account''s currency allows fewer: the ledger trigger checks)';

-- The API's account gains its currency (no table or column has this type: ALTER is enough).
ALTER TYPE pgbank.account ADD ATTRIBUTE currency text, ADD ATTRIBUTE minor_units smallint;

COMMENT ON COLUMN pgbank.transactions.reason IS
  'Why an attempt failed: unknown_account, same_account, account_closed, account_frozen, currency_mismatch, insufficient_funds (in that priority)';

-- New signatures (a parameter more): the old ones go, the functions step makes the new ones right
-- after (as 0020: a call between the two transactions fails with 42883).
DROP FUNCTION IF EXISTS pgbank.create_account(text, numeric, uuid);  -- (a fresh install makes them in its functions step)
DROP FUNCTION IF EXISTS pgbank.transfer_batch(text, uuid[], uuid[], numeric[]);
