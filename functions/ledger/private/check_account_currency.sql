-- Trigger: a new account's currency is one of pgbank.currencies, with that currency's minor units.
CREATE OR REPLACE FUNCTION pgbank_private.check_account_currency()
RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
  IF NOT EXISTS (SELECT FROM pgbank.currencies c WHERE c.code = NEW.currency AND c.minor_units = NEW.minor_units) THEN
    RAISE EXCEPTION USING ERRCODE = '23503',
      MESSAGE = format('account %L: currency %L with %s minor units is not in pgbank.currencies', NEW.id, NEW.currency, NEW.minor_units),
      HINT = 'an account takes a code of pgbank.currencies and its minor_units';
  END IF;
  RETURN NEW;
END
$$;
COMMENT ON FUNCTION pgbank_private.check_account_currency() IS
  'Trigger: refuses an account whose (currency, minor_units) is not a row of pgbank.currencies';

-- Only when an account is made: its currency never changes after (users_keep_currency), so the
-- transfer path's UPDATEs carry no check (a foreign key would cost each of them).
CREATE OR REPLACE TRIGGER users_currency_known
  BEFORE INSERT ON pgbank.users
  FOR EACH ROW EXECUTE FUNCTION pgbank_private.check_account_currency();
